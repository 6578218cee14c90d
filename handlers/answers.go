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
// path, the parameters the answer reads (parsed, never the raw query), the
// customer, the language, the month (traffic is shown per month), the process
// (a new build may draw differently) and, for the dashboard, the CSRF token
// its forms carry. "Nothing changed" then costs one small query and a
// compare: a client that sends If-None-Match gets 304, and a client that does
// not gets the encoding kept from the last time (answerCache).

// bootNonce changes the tags of every answer when the panel restarts.
var bootNonce = uint64(time.Now().UnixNano())

// answerID names one answer: its kind, the customer, the path, the language
// and the parameters it is drawn from, as the handler parsed them. A parameter
// the answer does not read is in neither the key nor the tag, so junk in the
// query (?pad=…) neither makes a request an entry of its own nor a key the
// size of the query: two requests that differ only in it share one entry.
type answerID struct {
	kind   string
	userID int64
	parts  []string
}

func answerFor(kind string, c echo.Context, p services.Principal, params ...string) answerID {
	parts := []string{c.Request().URL.Path, string(LocaleOf(c))}
	if p.PersonID != 0 {
		// A team's members see the same data through their own header and
		// with the buttons of their role.
		parts = append(parts, strconv.FormatInt(p.PersonID, 10)+":"+p.Role)
	}
	return answerID{kind: kind, userID: p.UserID, parts: append(parts, params...)}
}

// key is where the answer is kept, whatever the version: a newer one
// replaces it. Each part goes with its length, so no value can pass for two.
func (id answerID) key() string {
	var b strings.Builder
	b.WriteString(id.kind)
	b.WriteByte(' ')
	b.WriteString(strconv.FormatInt(id.userID, 10))
	for _, s := range id.parts {
		b.WriteByte(' ')
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	return b.String()
}

// at is the answer's ETag at version v, and its key.
func (id answerID) at(v services.Version) (tag, key string) {
	key = id.key()
	h := fnv.New64a()
	var b [8]byte
	for _, n := range []uint64{bootNonce, uint64(v.Customer), uint64(v.Catalog)} {
		binary.LittleEndian.PutUint64(b[:], n)
		h.Write(b[:])
	}
	h.Write([]byte(time.Now().UTC().Format("2006-01")))
	h.Write([]byte(key))
	return `"` + hex.EncodeToString(h.Sum(nil)) + `"`, key
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

// noStore keeps an answer that shows a secret (a token, a rescue password, a
// reset link's token, a console ticket) out of every cache, the browser's own
// included, so it cannot be read back later from the disk or history.
func noStore(c echo.Context) { c.Response().Header().Set("Cache-Control", "no-store") }

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
// replaced. It holds at most maxEntries entries and maxBytes of keys, bodies
// and headers together: when full, entries are dropped in the map's order,
// which is as good as any for a cache that only saves work.
type answerCache struct {
	mu         sync.Mutex
	m          map[string]cachedAnswer
	bytes      int
	maxBytes   int
	maxEntries int
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

func newAnswerCache(maxBytes, maxEntries int) *answerCache {
	return &answerCache{m: map[string]cachedAnswer{}, maxBytes: maxBytes, maxEntries: maxEntries}
}

// entryOverhead is what an entry costs besides its strings: the map's slot,
// the string and slice headers.
const entryOverhead = 128

// size is what keeping e under key costs.
func (e cachedAnswer) size(key string) int {
	n := entryOverhead + len(key) + len(e.tag) + len(e.body)
	for _, h := range e.headers {
		n += len(h)
	}
	return n
}

func (a *answerCache) get(key, tag string) (cachedAnswer, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	e, ok := a.m[key]
	return e, ok && e.tag == tag
}

func (a *answerCache) put(key string, e cachedAnswer) {
	size := e.size(key)
	if size > a.maxBytes/16 {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if old, ok := a.m[key]; ok {
		delete(a.m, key)
		a.bytes -= old.size(key)
	}
	for k, old := range a.m {
		if a.bytes+size <= a.maxBytes && len(a.m) < a.maxEntries {
			break
		}
		delete(a.m, k)
		a.bytes -= old.size(k)
	}
	a.m[key] = e
	a.bytes += size
}

// held is how many answers are kept and what they cost.
func (a *answerCache) held() (entries, bytes int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.m), a.bytes
}
