// Package client is Abrak's Go client for the customer API (/api/v1): a
// typed method per documented operation, retries on 429 and 503 that honour
// Retry-After, an Idempotency-Key on every create, paging iterators, errors
// that carry the API's code, fields and request id, and WaitForAction.
//
//	c := client.New("https://panel.example", os.Getenv("ABRAK_TOKEN"))
//	vm, err := c.CreateVM(ctx, client.CreateVM{PlanSlug: "starter", OSTemplateSlug: "debian-12", AuthMode: "ssh_key", SSHKeyIDs: []int64{7}})
//	for vm, err := range c.VMs(ctx, client.ListVMs{Status: "running"}) { … }
package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Client talks to one panel with one token. Its zero value is not usable: use New.
type Client struct {
	base  string
	token string
	// HTTP sends the requests; http.DefaultClient unless set.
	HTTP *http.Client
	// MaxRetries bounds the retries of one request on 429 and 503 (default 4).
	MaxRetries int
	// MaxRetryWait is the longest single wait before a retry: an answer that
	// asks for longer is returned as its error rather than slept on (default 30s).
	MaxRetryWait time.Duration
	// Language is sent as Accept-Language ("fa" or "en"): the language of
	// the API's error messages.
	Language string
	// UserAgent names the caller (default "abrak-go-client").
	UserAgent string
	// sleep waits between retries; tests may shorten it.
	sleep func(context.Context, time.Duration) error
}

// New returns a client for the panel at baseURL (e.g. https://panel.example)
// authenticating with a personal access token (ic_pat_…).
func New(baseURL, token string) *Client {
	return &Client{base: strings.TrimRight(baseURL, "/"), token: token, HTTP: http.DefaultClient,
		MaxRetries: 4, MaxRetryWait: 30 * time.Second, UserAgent: "abrak-go-client", sleep: sleepCtx}
}

// BaseURL is the panel's address as given to New, without a trailing slash.
func (c *Client) BaseURL() string { return c.base }

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Error is an answer of the API that is not a success: its HTTP status, the
// API's stable code (validation, not_found, conflict, rate_limited, …), the
// message in the request's language, each refused field with its message,
// and the request id to quote to support.
type Error struct {
	Status    int               `json:"status"`
	Code      string            `json:"code"`
	Message   string            `json:"message"`
	Fields    map[string]string `json:"fields,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
	// RetryAfter is the wait the panel asked for on a 429 or 503, if any.
	RetryAfter time.Duration `json:"-"`
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "abrak: %d %s: %s", e.Status, e.Code, e.Message)
	if len(e.Fields) > 0 {
		b.WriteString(" (")
		first := true
		for _, k := range sortedKeys(e.Fields) {
			if !first {
				b.WriteString("; ")
			}
			first = false
			fmt.Fprintf(&b, "%s: %s", k, e.Fields[k])
		}
		b.WriteString(")")
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " [request %s]", e.RequestID)
	}
	return b.String()
}

// request is one API call.
type request struct {
	method string
	path   string
	query  url.Values
	body   any
	// idempotencyKey is sent as Idempotency-Key; create calls always set one.
	idempotencyKey string
	// out receives the JSON answer (nil: ignored).
	out any
}

// newKey is a fresh Idempotency-Key: the same key rides every retry of one
// call, so a create that reached the panel before its answer was lost is
// not made twice.
func newKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// resp is what do hands back beside the decoded body.
type resp struct {
	status int
	header http.Header
}

func (c *Client) do(ctx context.Context, r request) (resp, error) {
	var payload []byte
	if r.body != nil {
		var err error
		if payload, err = json.Marshal(r.body); err != nil {
			return resp{}, err
		}
	}
	u := c.base + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	for attempt := 0; ; attempt++ {
		var rd io.Reader
		if payload != nil {
			rd = bytes.NewReader(payload)
		}
		req, err := http.NewRequestWithContext(ctx, r.method, u, rd)
		if err != nil {
			return resp{}, err
		}
		if payload != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("Accept", "application/json")
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		if c.Language != "" {
			req.Header.Set("Accept-Language", c.Language)
		}
		if c.UserAgent != "" {
			req.Header.Set("User-Agent", c.UserAgent)
		}
		if r.idempotencyKey != "" {
			req.Header.Set("Idempotency-Key", r.idempotencyKey)
		}
		hc := c.HTTP
		if hc == nil {
			hc = http.DefaultClient
		}
		res, err := hc.Do(req)
		if err != nil {
			return resp{}, err
		}
		data, err := io.ReadAll(io.LimitReader(res.Body, 32<<20))
		res.Body.Close()
		if err != nil {
			return resp{}, err
		}
		out := resp{status: res.StatusCode, header: res.Header}
		if res.StatusCode >= 200 && res.StatusCode < 300 {
			if r.out != nil && len(data) > 0 {
				if err := json.Unmarshal(data, r.out); err != nil {
					return out, fmt.Errorf("abrak: %s %s: reading the answer: %w", r.method, r.path, err)
				}
			}
			return out, nil
		}
		apiErr := decodeError(res, data)
		if wait, ok := c.retryable(r, res, attempt); ok {
			if err := c.sleeper()(ctx, wait); err != nil {
				return out, err
			}
			continue
		}
		return out, apiErr
	}
}

func (c *Client) sleeper() func(context.Context, time.Duration) error {
	if c.sleep == nil {
		return sleepCtx
	}
	return c.sleep
}

// retryable says whether an answer is worth asking again, and after how
// long. A 429 is refused before the panel does anything, so any request may
// be repeated; a 503 is repeated only when repeating cannot do a thing
// twice: a read, a delete, or a create under its idempotency key that made
// nothing yet (a 503 with a Location made the VM: it waits for a node).
func (c *Client) retryable(r request, res *http.Response, attempt int) (time.Duration, bool) {
	if attempt >= c.MaxRetries {
		return 0, false
	}
	switch res.StatusCode {
	case http.StatusTooManyRequests:
	case http.StatusServiceUnavailable:
		safe := r.method == http.MethodGet || r.method == http.MethodDelete || r.idempotencyKey != ""
		if !safe || res.Header.Get("Location") != "" {
			return 0, false
		}
	default:
		return 0, false
	}
	wait, ok := retryAfter(res.Header.Get("Retry-After"), time.Now())
	if !ok {
		// No hint: back off 0.5s, 1s, 2s, …
		wait = 500 * time.Millisecond << attempt
	}
	max := c.MaxRetryWait
	if max == 0 {
		max = 30 * time.Second
	}
	if wait > max {
		return 0, false
	}
	return wait, true
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

func decodeError(res *http.Response, data []byte) *Error {
	var body struct {
		Error struct {
			Code    string            `json:"code"`
			Message string            `json:"message"`
			Fields  map[string]string `json:"fields"`
		} `json:"error"`
		RequestID string `json:"request_id"`
	}
	e := &Error{Status: res.StatusCode}
	if json.Unmarshal(data, &body) == nil {
		e.Code, e.Message, e.Fields, e.RequestID = body.Error.Code, body.Error.Message, body.Error.Fields, body.RequestID
	}
	if e.RequestID == "" {
		e.RequestID = res.Header.Get("X-Request-Id")
	}
	if e.Message == "" {
		e.Message = http.StatusText(res.StatusCode)
	}
	if e.Code == "" {
		e.Code = strings.ToLower(strings.ReplaceAll(http.StatusText(res.StatusCode), " ", "_"))
	}
	if d, ok := retryAfter(res.Header.Get("Retry-After"), time.Now()); ok {
		e.RetryAfter = d
	}
	return e
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

func esc(s string) string { return url.PathEscape(s) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
