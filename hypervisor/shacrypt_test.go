package hypervisor

import "testing"

// The first vector is from the scheme's specification, the second from
// `openssl passwd -6 -salt short ...`.
func TestSHA512CryptMatchesReference(t *testing.T) {
	for _, c := range []struct{ key, salt, want string }{
		{"Hello world!", "saltstring", "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"},
		{"we have a short salt string but not a short password", "short", "$6$short$qmfj2meTBr5G2EAGIJ4vjX7RpefsD4JzpEyTAeEUJdzdxlBS6pe8gdMHm5zFftaFSj/2p2bjBwyVS9ZhWpLZt."},
	} {
		if got := sha512CryptSalt([]byte(c.key), []byte(c.salt)); got != c.want {
			t.Errorf("sha512 crypt of %q = %s, want %s", c.key, got, c.want)
		}
	}
}
