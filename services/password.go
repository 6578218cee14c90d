package services

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters, in one place. 19 MiB, 2 passes, 1 lane is OWASP's
// minimum recommendation; it keeps 50 concurrent sign-ins under 1 GiB.
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonKeyLen    = 32
	argonSaltLen   = 16
)

// Password rules shown to customers.
const (
	MinPasswordLen = 10
	MaxPasswordLen = 128
)

// HashPassword returns a PHC-style argon2id string.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemoryKiB, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var errBadHash = errors.New("malformed password hash")

// CheckPassword compares pw with a hash made by HashPassword, in constant time.
// Parameters are read from the hash so old hashes keep working after a change.
func CheckPassword(hash, pw string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false, errBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, errBadHash
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// commonPasswords are refused even when long enough.
var commonPasswords = map[string]bool{
	"1234567890": true, "0123456789": true, "qwertyuiop": true, "password123": true, "passwordpassword": true,
	"1q2w3e4r5t": true, "iloveyou123": true, "abcdefghij": true, "12345678910": true, "qwerty12345": true,
}

// passwordProblem returns the message key of what is wrong with a new password, or "".
func passwordProblem(pw, email string) string {
	switch {
	case pw == "":
		return "form.required"
	case len([]rune(pw)) < MinPasswordLen:
		return "form.password_too_short"
	case len([]rune(pw)) > MaxPasswordLen:
		return "form.password_too_long"
	case commonPasswords[strings.ToLower(pw)] || strings.EqualFold(pw, email) || allSame(pw):
		return "form.password_weak"
	}
	return ""
}

func allSame(s string) bool {
	r := []rune(s)
	for i := 1; i < len(r); i++ {
		if r[i] != r[0] {
			return false
		}
	}
	return true
}
