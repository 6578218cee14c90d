package handlers

import (
	"encoding/binary"
	"encoding/hex"
	"hash/fnv"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"abrak/services"
)

// A GET of a customer's VMs (the API's list and one VM, the dashboard's
// polled partials) carries an ETag made of what the answer was built from:
// the customer's and the catalog's change counters (services.Version), the
// URL, the customer, the language, the month (traffic is shown per month),
// the process (a new build may draw differently) and, for the dashboard, the
// CSRF token its forms carry. "Nothing changed" then costs one small query
// and a compare: a client that sends If-None-Match gets 304, and a client that
// does not gets the encoding kept from the last time (answerCache).

// bootNonce changes the tags of every answer when the panel restarts.
var bootNonce = uint64(time.Now().UnixNano())

// answerTag is the tag of this request's answer at version v; extra names
// whatever else the answer is drawn from.
func answerTag(c echo.Context, p services.Principal, v services.Version, extra ...string) string {
	h := fnv.New64a()
	var b [8]byte
	for _, n := range []uint64{bootNonce, uint64(v.Customer), uint64(v.Catalog), uint64(p.UserID)} {
		binary.LittleEndian.PutUint64(b[:], n)
		h.Write(b[:])
	}
	r := c.Request()
	for _, s := range append([]string{r.URL.Path, r.URL.RawQuery, string(LocaleOf(c)), time.Now().UTC().Format("2006-01")}, extra...) {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return `"` + hex.EncodeToString(h.Sum(nil)) + `"`
}

// answerKey is where an answer is kept: the same request of the same customer
// (whatever the version; a newer one replaces it).
func answerKey(kind string, c echo.Context, p services.Principal, extra ...string) string {
	r := c.Request()
	return strings.Join(append([]string{kind, strconv.FormatInt(p.UserID, 10), r.URL.Path, r.URL.RawQuery, string(LocaleOf(c))}, extra...), "\x00")
}

// fresh sets the answer's validators and reports whether the client already
// holds it (If-None-Match names the tag). Answers are private: a shared cache
// must not keep one customer's list for another, and "no-cache" makes
// browsers ask again each time (their polls then revalidate by themselves).
func fresh(c echo.Context, tag string) bool {
	hd := c.Response().Header()
	hd.Set("ETag", tag)
	hd.Set("Cache-Control", "private, no-cache")
	if apiDoor(c) {
		hd.Set("Vary", "Authorization")
	} else {
		hd.Set("Vary", "Cookie, HX-Request")
	}
	return tagMatches(c.Request().Header.Get("If-None-Match"), tag)
}

// unfresh takes the validators back from an answer that turned out an error.
func unfresh(c echo.Context) {
	for _, h := range []string{"ETag", "Cache-Control", "Vary"} {
		c.Response().Header().Del(h)
	}
}

// tagMatches is If-None-Match's weak comparison (RFC 9110 13.1.2).
func tagMatches(header, tag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == tag || t == "*" {
			return true
		}
	}
	return false
}

// notModified answers 304 with the validators fresh has set.
func notModified(c echo.Context) error { return c.NoContent(http.StatusNotModified) }

// answerCache keeps the last encoding of a customer's list pages, by request,
// with the tag it was made at; an entry whose tag no longer matches is simply
// replaced. It holds at most maxBytes of bodies: when full, entries are
// dropped in the map's order, which is as good as any for a cache that only
// saves work.
type answerCache struct {
	mu       sync.Mutex
	m        map[string]cachedAnswer
	bytes    int
	maxBytes int
}

type cachedAnswer struct {
	tag  string
	body []byte
	// headers are the answer's own headers (a list's Link, htmx's HX-Refresh), as name, value pairs.
	headers []string
}

// keptHeaders reads the named headers of the answer being written, for keeping.
func keptHeaders(c echo.Context, names ...string) []string {
	var out []string
	for _, n := range names {
		if v := c.Response().Header().Get(n); v != "" {
			out = append(out, n, v)
		}
	}
	return out
}

// setHeaders writes a kept answer's headers.
func (e cachedAnswer) setHeaders(c echo.Context) {
	for i := 0; i+1 < len(e.headers); i += 2 {
		c.Response().Header().Set(e.headers[i], e.headers[i+1])
	}
}

func newAnswerCache(maxBytes int) *answerCache {
	return &answerCache{m: map[string]cachedAnswer{}, maxBytes: maxBytes}
}

func (a *answerCache) get(key, tag string) (cachedAnswer, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	e, ok := a.m[key]
	return e, ok && e.tag == tag
}

func (a *answerCache) put(key string, e cachedAnswer) {
	if len(e.body) > a.maxBytes/16 {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if old, ok := a.m[key]; ok {
		delete(a.m, key)
		a.bytes -= len(old.body)
	}
	for k, old := range a.m {
		if a.bytes+len(e.body) <= a.maxBytes {
			break
		}
		delete(a.m, k)
		a.bytes -= len(old.body)
	}
	a.m[key] = e
	a.bytes += len(e.body)
}
