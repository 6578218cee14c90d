package mail

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"mime"
	"net"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// A Persian subject and body survive the trip: the subject decodes back, every
// line ends in CRLF and stays under SMTP's 998 characters.
func TestMessageBytesAreWellFormed(t *testing.T) {
	subject := "سرور «وب ۱» آماده است — a long subject " + strings.Repeat("ابرک ", 40)
	body := Message{Subject: subject, Text: "سلام،\n" + strings.Repeat("خ", 3000), HTML: "<p>سلام</p>"}.Bytes(Envelope{
		FromAddr: "panel@abrak.test", FromName: "ابرک", To: "ana@example.com", Date: time.Now()})
	for i, line := range bytes.Split(body, []byte("\r\n")) {
		if len(line) > 998 || bytes.ContainsAny(line, "\r\n") {
			t.Fatalf("line %d is %d bytes or holds a bare CR/LF", i, len(line))
		}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	got, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || got != subject {
		t.Errorf("subject decodes to %q (%v)", got, err)
	}
	from, err := msg.Header.AddressList("From")
	if err != nil || from[0].Name != "ابرک" || from[0].Address != "panel@abrak.test" {
		t.Errorf("From is %v (%v)", from, err)
	}
}

// tlsServer is a local SMTP server with a certificate the client is told to trust.
func tlsServer(t *testing.T, implicit, offerTLS bool) (addr string, client *tls.Config, got chan []byte) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"}, DNSNames: []string{"localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	got = make(chan []byte, 1)
	s := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{got: got}, nil }))
	s.Domain = "localhost"
	if offerTLS {
		s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	}
	s.AllowInsecureAuth = !offerTLS
	var l net.Listener
	if implicit {
		l, err = tls.Listen("tcp", "127.0.0.1:0", s.TLSConfig)
	} else {
		l, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.Serve(l) }()
	t.Cleanup(func() { _ = s.Close() })
	return l.Addr().String(), &tls.Config{RootCAs: pool, ServerName: "localhost"}, got
}

type session struct {
	got    chan []byte
	authed bool
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, u, p string) error {
		if u != "u" || p != "p" {
			return errors.New("no")
		}
		s.authed = true
		return nil
	}), nil
}
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if !s.authed {
		return smtp.ErrAuthRequired
	}
	return nil
}
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if strings.HasPrefix(to, "gone@") {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
	}
	return nil
}
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	s.got <- b
	return err
}
func (s *session) Reset()        {}
func (s *session) Logout() error { return nil }

// The two TLS modes deliver with a login; a server that offers no STARTTLS is
// refused in starttls mode, so the password never crosses in plain text; a
// 5xx is a PermanentError, a dead server is not.
func TestSendOverTLS(t *testing.T) {
	ctx := context.Background()
	msg := Message{Subject: "s", Text: "t", HTML: "h"}.Bytes(Envelope{FromAddr: "a@b.c", To: "x@y.z", Date: time.Now()})
	for _, mode := range []string{TLSStartTLS, TLSImplicit} {
		addr, tc, got := tlsServer(t, mode == TLSImplicit, true)
		srv := Server{Addr: addr, User: "u", Password: "p", TLS: mode, TLSConfig: tc, Timeout: 10 * time.Second}
		if err := srv.Send(ctx, "a@b.c", "x@y.z", msg); err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		if b := <-got; !bytes.Contains(b, []byte("Subject: s")) {
			t.Errorf("%s: the server got %q", mode, b)
		}
		var perm *PermanentError
		if err := srv.Send(ctx, "a@b.c", "gone@y.z", msg); !errors.As(err, &perm) {
			t.Errorf("%s: a 550 came back as %v, want a PermanentError", mode, err)
		}
	}
	addr, tc, _ := tlsServer(t, false, false)
	if err := (Server{Addr: addr, User: "u", Password: "p", TLS: TLSStartTLS, TLSConfig: tc}).Send(ctx, "a@b.c", "x@y.z", msg); err == nil {
		t.Error("starttls mode delivered through a server that offers no STARTTLS")
	}
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := l.Addr().String()
	l.Close()
	var perm *PermanentError
	if err := (Server{Addr: dead, TLS: TLSNone}).Send(ctx, "a@b.c", "x@y.z", msg); err == nil || errors.As(err, &perm) {
		t.Errorf("a server that is down: %v, want an error worth retrying", err)
	}
}
