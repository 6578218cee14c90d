package testkit

import (
	"bytes"
	"io"
	"net/http"
	"testing"
)

// CheckedTransport is an http.RoundTripper for clients of a's API (the Go
// client, abrakctl) that checks every exchange against the OpenAPI document,
// as APICall does, and counts the answers by status.
type CheckedTransport struct {
	a      *App
	t      testing.TB
	Counts map[int]int
}

// CheckedTransport returns a transport that checks what a client sends a and what it gets back.
func (a *App) CheckedTransport(t testing.TB) *CheckedTransport {
	return &CheckedTransport{a: a, t: t, Counts: map[int]int{}}
}

func (ct *CheckedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil {
		var err error
		if reqBody, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	tr := ct.a.transport
	if tr == nil {
		tr = http.DefaultTransport
	}
	res, err := tr.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	res.Body = io.NopCloser(bytes.NewReader(body))
	check := req.Clone(req.Context())
	check.Body = io.NopCloser(bytes.NewReader(reqBody))
	ct.a.checkAPIExchange(ct.t, check, string(reqBody), res.StatusCode, res.Header, body)
	ct.Counts[res.StatusCode]++
	return res, nil
}
