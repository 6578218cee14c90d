package services

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
)

func TestPasswordHashRoundTrip(t *testing.T) {
	const pw = "correct horse battery staple — اسب درست"
	h, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$", argon2.Version, argonMemoryKiB, argonTime, argonThreads)
	if !strings.HasPrefix(h, want) {
		t.Errorf("hash %q does not start with %q", h, want)
	}
	if ok, err := CheckPassword(h, pw); !ok || err != nil {
		t.Errorf("the right password is refused: %v, %v", ok, err)
	}
	for _, wrong := range []string{"", "correct horse battery staple", pw + " ", strings.ToUpper(pw)} {
		if ok, err := CheckPassword(h, wrong); ok || err != nil {
			t.Errorf("wrong password %q: ok %v, err %v", wrong, ok, err)
		}
	}
	h2, _ := HashPassword(pw)
	if h2 == h {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
}

// A hash made with other parameters (older or newer settings) still verifies,
// because CheckPassword reads them from the hash.
func TestPasswordParametersReadFromHash(t *testing.T) {
	const pw = "an older password"
	salt := make([]byte, 16)
	rand.Read(salt)
	key := argon2.IDKey([]byte(pw), salt, 1, 8*1024, 2, 24)
	b64 := base64.RawStdEncoding
	h := fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, 8*1024, 1, 2, b64.EncodeToString(salt), b64.EncodeToString(key))
	if ok, err := CheckPassword(h, pw); !ok || err != nil {
		t.Errorf("a hash with m=8192,t=1,p=2 and a 24-byte key is refused: %v, %v", ok, err)
	}
	if ok, _ := CheckPassword(h, pw+"!"); ok {
		t.Error("a wrong password matched the old hash")
	}
	// The same key checked with today's parameters would not match: they really are read.
	today := fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemoryKiB, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key))
	if ok, _ := CheckPassword(today, pw); ok {
		t.Error("parameters in the hash make no difference")
	}
}

func TestMalformedHashes(t *testing.T) {
	good, _ := HashPassword("whatever-password")
	parts := strings.Split(good, "$")
	for name, h := range map[string]string{
		"empty":       "",
		"bcrypt":      "$2a$10$abcdefghijklmnopqrstuuJ6kGqvnZ6F0s6l2p7dZkqG3v1Y0Ywq",
		"argon2i":     strings.Replace(good, "argon2id", "argon2i", 1),
		"bad params":  strings.Join([]string{"", parts[1], parts[2], "m=x,t=1,p=1", parts[4], parts[5]}, "$"),
		"bad salt":    strings.Join([]string{"", parts[1], parts[2], parts[3], "!!!", parts[5]}, "$"),
		"bad key":     strings.Join([]string{"", parts[1], parts[2], parts[3], parts[4], "%%%"}, "$"),
		"short split": "$argon2id$v=19$m=1,t=1,p=1$c2FsdA",
	} {
		if ok, err := CheckPassword(h, "whatever-password"); ok || err == nil {
			t.Errorf("%s: ok %v, err %v; want refused with an error", name, ok, err)
		}
	}
}

func TestPasswordProblem(t *testing.T) {
	const email = "ana@example.com"
	for _, tc := range []struct {
		name, pw, want string
	}{
		{"empty", "", "form.required"},
		{"nine characters", "abcdefg1!", "form.password_too_short"},
		{"ten characters", "abcdefg12!", ""},
		{"nine Persian letters, eighteen bytes", "سلامدوستم", "form.password_too_short"},
		{"ten Persian letters", "سلامدوستان", ""},
		{"128 bytes", strings.Repeat("ab", 64), ""},
		{"129 bytes", strings.Repeat("ab", 64) + "c", "form.password_too_long"},
		{"common", "Password123", "form.password_weak"},
		{"digits in order", "1234567890", "form.password_weak"},
		{"the email", "ANA@example.com", "form.password_weak"},
		{"one character repeated", "zzzzzzzzzzzz", "form.password_weak"},
		{"a passphrase", "correct horse battery staple", ""},
	} {
		if got := passwordProblem(tc.pw, email); got != tc.want {
			t.Errorf("%s (%q): %q, want %q", tc.name, tc.pw, got, tc.want)
		}
	}
}
