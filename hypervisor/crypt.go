package hypervisor

// CryptPassword returns the SHA-512 crypt ($6$) hash cloud-init and the guest's
// /etc/shadow accept, with a random salt.
func CryptPassword(password string) string { return sha512Crypt(password) }
