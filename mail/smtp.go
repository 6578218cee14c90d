package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// TLS modes of the connection to the mail server.
const (
	TLSStartTLS = "starttls" // plain connection upgraded by STARTTLS (port 587); refused if the server lacks it
	TLSImplicit = "tls"      // TLS from the first byte (port 465)
	TLSNone     = "none"     // plain text: only for a server on the same host or network
)

// Server is the operator's SMTP server.
type Server struct {
	Addr           string // host:port; empty: no mail
	User, Password string // AUTH PLAIN when User is set
	TLS            string
	// TLSConfig overrides the client's TLS settings (tests trust their own CA).
	TLSConfig *tls.Config
	Timeout   time.Duration // for one whole delivery; 30 s when zero
}

// PermanentError is the server refusing a message for good (a 5xx reply):
// sending it again would be refused again.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Send delivers one message to one recipient. Refusals with a 5xx code come
// back as *PermanentError; anything else (a 4xx, a connection that fails) is
// worth trying again later.
func (s Server) Send(ctx context.Context, from, to string, msg []byte) error {
	timeout := s.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	host, _, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return &PermanentError{fmt.Errorf("mail server address %q: %w", s.Addr, err)}
	}
	tc := s.TLSConfig
	if tc == nil {
		tc = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	}
	d := net.Dialer{}
	conn, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return err
	}
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	var c *smtp.Client
	switch s.TLS {
	case TLSImplicit:
		c = smtp.NewClient(tls.Client(conn, tc))
	case TLSNone:
		c = smtp.NewClient(conn)
	default:
		if c, err = smtp.NewClientStartTLS(conn, tc); err != nil {
			conn.Close()
			return classify(err)
		}
	}
	defer c.Close()
	if s.User != "" {
		if err := c.Auth(sasl.NewPlainClient("", s.User, s.Password)); err != nil {
			return classify(err)
		}
	}
	if err := c.SendMail(from, []string{to}, bytes.NewReader(msg)); err != nil {
		return classify(err)
	}
	return c.Quit()
}

func classify(err error) error {
	var se *smtp.SMTPError
	if errors.As(err, &se) && se.Code >= 500 {
		return &PermanentError{err}
	}
	return err
}
