package hypervisor

import (
	"crypto/rand"
	"crypto/sha512"
	"strings"
)

// The SHA-512 crypt scheme ($6$, Ulrich Drepper's "Unix crypt using SHA-256 and
// SHA-512"), so that the seed carries a hash cloud-init hands to chpasswd instead of
// the clear-text password. golang.org/x/crypto has no implementation of it.

const (
	shaCryptRounds = 5000 // the scheme's default; the hash then omits "rounds="
	cryptAlphabet  = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)

func sha512Crypt(password string) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	for i := range salt {
		salt[i] = cryptAlphabet[int(salt[i])%len(cryptAlphabet)]
	}
	return sha512CryptSalt([]byte(password), salt)
}

func sha512CryptSalt(key, salt []byte) string {
	if len(salt) > 16 {
		salt = salt[:16]
	}
	b := sha512.New()
	b.Write(key)
	b.Write(salt)
	b.Write(key)
	sumB := b.Sum(nil)

	a := sha512.New()
	a.Write(key)
	a.Write(salt)
	repeatTo(a, sumB, len(key))
	for n := len(key); n > 0; n >>= 1 {
		if n&1 != 0 {
			a.Write(sumB)
		} else {
			a.Write(key)
		}
	}
	sumA := a.Sum(nil)

	dp := sha512.New()
	for range key {
		dp.Write(key)
	}
	p := make([]byte, 0, len(key))
	p = appendRepeated(p, dp.Sum(nil), len(key))

	ds := sha512.New()
	for i := 0; i < 16+int(sumA[0]); i++ {
		ds.Write(salt)
	}
	s := appendRepeated(nil, ds.Sum(nil), len(salt))

	c := sumA
	for i := range shaCryptRounds {
		h := sha512.New()
		if i&1 != 0 {
			h.Write(p)
		} else {
			h.Write(c)
		}
		if i%3 != 0 {
			h.Write(s)
		}
		if i%7 != 0 {
			h.Write(p)
		}
		if i&1 != 0 {
			h.Write(c)
		} else {
			h.Write(p)
		}
		c = h.Sum(nil)
	}

	var out strings.Builder
	out.WriteString("$6$")
	out.Write(salt)
	out.WriteByte('$')
	order := [][3]int{
		{0, 21, 42}, {22, 43, 1}, {44, 2, 23}, {3, 24, 45}, {25, 46, 4}, {47, 5, 26},
		{6, 27, 48}, {28, 49, 7}, {50, 8, 29}, {9, 30, 51}, {31, 52, 10}, {53, 11, 32},
		{12, 33, 54}, {34, 55, 13}, {56, 14, 35}, {15, 36, 57}, {37, 58, 16}, {59, 17, 38},
		{18, 39, 60}, {40, 61, 19}, {62, 20, 41},
	}
	for _, o := range order {
		encode64(&out, uint(c[o[0]])<<16|uint(c[o[1]])<<8|uint(c[o[2]]), 4)
	}
	encode64(&out, uint(c[63]), 2)
	return out.String()
}

func repeatTo(h interface{ Write([]byte) (int, error) }, src []byte, n int) {
	for ; n > len(src); n -= len(src) {
		h.Write(src)
	}
	h.Write(src[:n])
}

func appendRepeated(dst, src []byte, n int) []byte {
	for ; n > len(src); n -= len(src) {
		dst = append(dst, src...)
	}
	return append(dst, src[:n]...)
}

func encode64(out *strings.Builder, v uint, n int) {
	for range n {
		out.WriteByte(cryptAlphabet[v&0x3f])
		v >>= 6
	}
}
