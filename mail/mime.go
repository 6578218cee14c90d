package mail

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"
)

// Envelope is who a message is from and to, and when it was written.
type Envelope struct {
	FromAddr, FromName string
	To                 string
	Date               time.Time
	MessageID          string // without angle brackets; made up when empty
}

// Bytes is the message as RFC 5322 text: headers with non-ASCII words encoded
// (RFC 2047), and a multipart/alternative body with the text first and the
// HTML second, both UTF-8 and quoted-printable, lines CRLF-terminated.
func (m Message) Bytes(e Envelope) []byte {
	boundary := randomHex(12)
	if e.MessageID == "" {
		e.MessageID = randomHex(16) + "@" + DomainOf(e.FromAddr)
	}
	var b bytes.Buffer
	from := mail.Address{Name: e.FromName, Address: e.FromAddr}
	header := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	header("From", from.String())
	header("To", (&mail.Address{Address: e.To}).String())
	header("Subject", mime.BEncoding.Encode("utf-8", m.Subject))
	header("Date", e.Date.Format(time.RFC1123Z))
	header("Message-ID", "<"+e.MessageID+">")
	header("MIME-Version", "1.0")
	header("Auto-Submitted", "auto-generated")
	header("Content-Type", `multipart/alternative; boundary="`+boundary+`"`)
	b.WriteString("\r\n")
	part := func(ctype, body string) {
		fmt.Fprintf(&b, "--%s\r\nContent-Type: %s; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n", boundary, ctype)
		w := quotedprintable.NewWriter(&b)
		_, _ = w.Write([]byte(crlf(body)))
		_ = w.Close()
		b.WriteString("\r\n")
	}
	part("text/plain", m.Text)
	part("text/html", m.HTML)
	fmt.Fprintf(&b, "--%s--\r\n", boundary)
	return b.Bytes()
}

func crlf(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
}

// DomainOf is the domain of an address ("localhost" for one without), for Message-IDs.
func DomainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return addr[i+1:]
	}
	return "localhost"
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
