package testkit

import (
	"bytes"
	"errors"
	"io"
	"log"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"abrak/app"
	abrakmail "abrak/mail"
	"abrak/services"
)

// MailServer is a real SMTP server for tests (emersion/go-smtp on loopback):
// it asks for AUTH PLAIN, can refuse messages for a while with a 4xx (or for
// good with a 5xx), and keeps what it accepted.
type MailServer struct {
	addr string
	mu   sync.Mutex
	got  []ReceivedMail
	// refuseTemp is how many next messages get "451 try again later";
	// refusePerm refuses every message with a 550 while set.
	refuseTemp int
	refusePerm bool
	attempts   int
	arrived    chan struct{}
}

// ReceivedMail is one accepted message, parsed.
type ReceivedMail struct {
	From, To       string
	Header         mail.Header
	Subject        string
	Text, HTML     string
	TextCT, HTMLCT string
	Raw            []byte
}

const (
	mailUser     = "abrak"
	mailPassword = "smtp-secret"
)

// NewMailServer starts a mail server on loopback, stopped when the test ends.
func NewMailServer(t testing.TB) *MailServer {
	t.Helper()
	ms := &MailServer{arrived: make(chan struct{}, 100)}
	s := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &mailSession{ms: ms}, nil }))
	s.Domain = "mail.test"
	s.AllowInsecureAuth = true // plain text on loopback; TLS modes are the client's choice
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	// Quiet, but a logger: go-smtp calls ErrorLog.Printf when a connection
	// ends in an error (a client that hangs up mid-session), and a nil one panics.
	s.ErrorLog = log.New(io.Discard, "", 0)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.Serve(l) }()
	t.Cleanup(func() { _ = s.Close() })
	ms.addr = l.Addr().String()
	return ms
}

// WithMail points the panel at the server, with its delivery worker running.
func WithMail(ms *MailServer) func(*app.Config) {
	return func(c *app.Config) {
		c.Mail = services.MailConfig{
			Server: abrakmail.Server{Addr: ms.addr, User: mailUser, Password: mailPassword, TLS: abrakmail.TLSNone},
			From:   "panel@abrak.test", Provider: "Abrak Cloud",
			Interval: 200 * time.Millisecond,
		}
		c.Web.BaseURL = realBaseURL
	}
}

// Refuse makes the server answer the next temp messages "451 try again later",
// and every message "550 no such mailbox" while perm is set.
func (ms *MailServer) Refuse(temp int, perm bool) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	ms.refuseTemp, ms.refusePerm = temp, perm
}

// Messages are the letters accepted so far, in order.
func (ms *MailServer) Messages() []ReceivedMail {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return append([]ReceivedMail(nil), ms.got...)
}

// Attempts counts every message offered, taken or refused.
func (ms *MailServer) Attempts() int {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return ms.attempts
}

// Await waits for a message to addr whose subject contains subject.
func (ms *MailServer) Await(t testing.TB, to, subject string) ReceivedMail {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		for _, m := range ms.Messages() {
			if m.To == to && strings.Contains(m.Subject, subject) {
				return m
			}
		}
		select {
		case <-ms.arrived:
		case <-deadline:
			var subjects []string
			for _, m := range ms.Messages() {
				subjects = append(subjects, m.To+": "+m.Subject)
			}
			t.Fatalf("no letter to %s about %q arrived; got %q", to, subject, subjects)
		}
	}
}

// AwaitNth waits for the n-th letter to addr and returns it.
func (ms *MailServer) AwaitNth(t testing.TB, to string, n int) ReceivedMail {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		var mine []ReceivedMail
		for _, m := range ms.Messages() {
			if m.To == to {
				mine = append(mine, m)
			}
		}
		if len(mine) >= n {
			return mine[n-1]
		}
		select {
		case <-ms.arrived:
		case <-deadline:
			t.Fatalf("%d letters to %s arrived, waited for %d", len(mine), to, n)
		}
	}
}

// Count is how many accepted letters went to addr.
func (ms *MailServer) Count(to string) int {
	n := 0
	for _, m := range ms.Messages() {
		if m.To == to {
			n++
		}
	}
	return n
}

type mailSession struct {
	ms       *MailServer
	authed   bool
	from, to string
}

func (s *mailSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *mailSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if user != mailUser || pass != mailPassword {
			return errors.New("bad credentials")
		}
		s.authed = true
		return nil
	}), nil
}

func (s *mailSession) Mail(from string, _ *smtp.MailOptions) error {
	if !s.authed {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error { s.to = to; return nil }

func (s *mailSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ms := s.ms
	ms.mu.Lock()
	defer ms.mu.Unlock()
	ms.attempts++
	if ms.refusePerm {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
	}
	if ms.refuseTemp > 0 {
		ms.refuseTemp--
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	m, err := parseMail(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, Message: "unparseable message: " + err.Error()}
	}
	m.From, m.To = s.from, s.to
	ms.got = append(ms.got, m)
	select {
	case ms.arrived <- struct{}{}:
	default:
	}
	return nil
}

func (s *mailSession) Reset()        {}
func (s *mailSession) Logout() error { return nil }

// parseMail reads a message as a mail reader would: headers decoded, both
// alternatives of the multipart body decoded from quoted-printable.
func parseMail(raw []byte) (ReceivedMail, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return ReceivedMail{}, err
	}
	m := ReceivedMail{Header: msg.Header, Raw: raw}
	dec := new(mime.WordDecoder)
	if m.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return m, err
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		return m, errors.New("not multipart/alternative: " + msg.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return m, err
		}
		b, err := io.ReadAll(p)
		if err != nil {
			return m, err
		}
		ct := p.Header.Get("Content-Type")
		switch {
		case strings.HasPrefix(ct, "text/plain"):
			m.Text, m.TextCT = string(b), ct
		case strings.HasPrefix(ct, "text/html"):
			m.HTML, m.HTMLCT = string(b), ct
		}
	}
	return m, nil
}

// LinkIn finds the first link into the panel in a letter's text.
func LinkIn(t testing.TB, m ReceivedMail, base string) string {
	t.Helper()
	for _, f := range strings.Fields(m.Text) {
		if strings.HasPrefix(f, base) {
			return f
		}
	}
	t.Fatalf("no link to %s in the letter\n%s", base, m.Text)
	return ""
}
