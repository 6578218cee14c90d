package handlers

import (
	"strconv"
	"strings"
	"testing"
)

// The kept answers stay within their bounds however many distinct requests
// come: the number of entries, and the bytes of keys, tags, bodies and
// headers together (keys once went uncounted, and a key held a whole query).
func TestKeptAnswersStayWithinTheirBounds(t *testing.T) {
	const maxBytes, maxEntries = 64 << 10, 50
	a := newAnswerCache(maxBytes, maxEntries)
	key := strings.Repeat("k", 1000)
	for i := range 10_000 {
		a.put(key+strconv.Itoa(i), cachedAnswer{tag: `"t"`, body: []byte("<table></table>"), headers: []string{"Link", "</vms>"}})
		entries, bytes := a.held()
		if entries > maxEntries || bytes > maxBytes {
			t.Fatalf("after %d answers: %d entries of %d bytes; bounds are %d and %d", i+1, entries, bytes, maxEntries, maxBytes)
		}
		if want := entries * (len(key) + 3 + 15 + 10); bytes < want {
			t.Fatalf("after %d answers the cache counts %d bytes for %d entries, under what they hold (%d)", i+1, bytes, entries, want)
		}
	}
	a.put("big", cachedAnswer{body: make([]byte, maxBytes)})
	if _, ok := a.get("big", ""); ok {
		t.Error("an answer larger than a sixteenth of the cache was kept")
	}
}
