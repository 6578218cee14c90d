package web_test

import (
	"bufio"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"abrak/testkit"
	"abrak/views/i18n"
)

// keptAnswers reads the metrics' count and size of the answers kept for pollers.
func keptAnswers(t *testing.T, a *testkit.App) (entries, bytes int) {
	t.Helper()
	rec := httptest.NewRecorder()
	a.Server.Metrics.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	found := 0
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		name, value, _ := strings.Cut(sc.Text(), " ")
		n, err := strconv.ParseFloat(value, 64)
		switch {
		case err != nil:
		case name == "abrak_kept_answers":
			entries, found = int(n), found+1
		case name == "abrak_kept_answer_bytes":
			bytes, found = int(n), found+1
		}
	}
	if found != 2 {
		t.Fatalf("the metrics do not tell the kept answers:\n%.2000s", rec.Body.String())
	}
	return entries, bytes
}

func heapMiB() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc >> 20
}

// One customer cannot grow the panel's memory with junk in the query: a
// parameter no answer reads neither makes its own kept answer nor goes into
// one's key (two polls that differ only in it share one entry and one tag),
// and an absurd query (here 512 KiB, which once raised the heap from 43 to
// 153 MiB in 200 requests) is refused before anything reads it.
func TestJunkQueriesCannotGrowThePanelsMemory(t *testing.T) {
	a := testkit.NewApp(t, testkit.WithAPIRateLimit(100_000, 100_000))
	a.CreateUser(t, "ana@example.com", testkit.Password)
	token, _ := a.MintToken(t, "ana@example.com", "vm:read")
	c := a.Client(t)
	c.Header.Set("Accept-Language", "en")
	c.SignIn("ana@example.com", testkit.Password)
	htmx := testkit.Header("HX-Request", "true")
	before := heapMiB()

	huge := strings.Repeat("p", 512<<10)
	for i := range 200 {
		q := fmt.Sprintf("?pad=%s&n=%d", huge, i)
		r := c.Do(http.MethodGet, "/vms"+q, nil, htmx)
		if r.Status != http.StatusRequestURITooLong || !testkit.Contains(r.Body, i18n.T(i18n.EN, "error.uri_too_long")) || strings.Contains(r.Body, huge[:4096]) {
			t.Fatalf("a 512 KiB query to the dashboard: %d, want 414 saying so in English without the query\n%s", r.Status, testkit.Trim(r.Body))
		}
		r = a.APICall(t, http.MethodGet, "/api/v1/vms"+q, token, "", "Accept-Language", "en")
		if e := testkit.APIErrorOf(t, r); r.Status != http.StatusRequestURITooLong || e.Error.Code != "uri_too_long" || e.Error.Message != i18n.T(i18n.EN, "error.uri_too_long") {
			t.Fatalf("a 512 KiB query to the API: %d %+v, want 414 uri_too_long", r.Status, e.Error)
		}
	}
	afterHuge := heapMiB()

	entries, _ := keptAnswers(t, a)
	pageTags, apiTags := map[string]bool{}, map[string]bool{}
	junk := strings.Repeat("j", 3000)
	for i := range 200 {
		q := fmt.Sprintf("?%d=%s&n%d=%d", i, junk, i, i)
		r := c.Do(http.MethodGet, "/vms"+q, nil, htmx)
		testkit.MustStatus(t, "the table with junk in the query", r, http.StatusOK)
		pageTags[r.Header.Get("ETag")] = true
		r = a.APICall(t, http.MethodGet, "/api/v1/vms"+q, token, "")
		testkit.MustStatus(t, "the API's list with junk in the query", r, http.StatusOK)
		apiTags[r.Header.Get("ETag")] = true
	}
	if len(pageTags) != 1 || len(apiTags) != 1 {
		t.Errorf("200 polls differing only in junk got %d tags for the table and %d for the API's list, want one each", len(pageTags), len(apiTags))
	}
	after, bytes := keptAnswers(t, a)
	if after > entries+2 || bytes > 64<<10 {
		t.Errorf("after 400 polls with distinct junk: %d kept answers (was %d) of %d bytes; want one per answer, a few KiB", after, entries, bytes)
	}
	t.Logf("heap after GC: %d MiB before, %d MiB after 400 queries of 512 KiB, %d MiB after 400 of 3 KB junk; %d answers kept (%d bytes)",
		before, afterHuge, heapMiB(), after, bytes)
}

// An absurd address (a query over 4 KiB, or more than 32 parameters) is
// refused early on every route, pages in the visitor's language and the API
// as its JSON error; an ordinary address still works.
func TestAnAbsurdAddressIsRefusedOnEveryRoute(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	long := "?q=" + strings.Repeat("x", 4<<10)
	many := "?" + strings.Repeat("a=1&", 32) + "a=1"
	for _, path := range []string{"/", "/signin", "/vms", "/static/app.css", "/healthz", "/console/nope", "/no-such-page", "/api/v1/vms", "/api/v1/openapi.json"} {
		api := strings.HasPrefix(path, "/api/")
		for _, tc := range []struct {
			query  string
			status int
			key    string
		}{{long, http.StatusRequestURITooLong, "error.uri_too_long"}, {many, http.StatusBadRequest, "error.too_many_params"}} {
			if api {
				r := a.APICall(t, http.MethodGet, path+tc.query, "", "", "Accept-Language", "en")
				if e := testkit.APIErrorOf(t, r); r.Status != tc.status || e.Error.Message != i18n.T(i18n.EN, tc.key, "max", "32") {
					t.Errorf("%s: %d %+v, want %d saying %q", path, r.Status, e.Error, tc.status, i18n.T(i18n.EN, tc.key, "max", "32"))
				}
				continue
			}
			for _, l := range []i18n.Locale{i18n.EN, i18n.FA} {
				c := a.Client(t)
				c.SetCookie("abrak_lang", string(l))
				r := c.Get(path + tc.query)
				if lang, _ := testkit.HTMLLangDir(r.Body); r.Status != tc.status || lang != string(l) || !testkit.Contains(r.Body, i18n.T(l, tc.key, "max", "32")) {
					t.Errorf("%s in %s: %d, lang %q, want %d saying %q\n%s", path, l, r.Status, lang, tc.status, i18n.T(l, tc.key, "max", "32"), testkit.Trim(r.Body))
				}
			}
		}
	}
	c := a.Client(t)
	ok := "?lang=en&q=" + strings.Repeat("x", 3<<10) + strings.Repeat("&a=1", 30)
	if r := c.Get("/signin" + ok); r.Status != http.StatusOK {
		t.Errorf("a 3 KiB query of 32 parameters: %d, want 200", r.Status)
	}
}

// A body over 1 MB is refused before it is read, with an answer: the page in
// the visitor's language (no session is loaded yet), the JSON error on the API.
func TestAnOversizedBodyIsRefusedInTheVisitorsLanguage(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	big := testkit.Form("email", "ana@example.com", "password", strings.Repeat("x", 1100<<10))
	for _, l := range []i18n.Locale{i18n.EN, i18n.FA} {
		c := a.Client(t)
		c.Header.Set("Accept-Language", string(l))
		for _, path := range []string{"/signin", "/signup", "/vms"} {
			r := c.Do(http.MethodPost, path, big, nil)
			if lang, _ := testkit.HTMLLangDir(r.Body); r.Status != http.StatusRequestEntityTooLarge || lang != string(l) || !testkit.Contains(r.Body, i18n.T(l, "error.too_large")) {
				t.Errorf("POST %s of 1.1 MB in %s: %d, lang %q, want 413 saying %q\n%s", path, l, r.Status, lang, i18n.T(l, "error.too_large"), testkit.Trim(r.Body))
			}
		}
	}
	r := a.APICall(t, http.MethodPost, "/api/v1/vms", "", `{"name":"`+strings.Repeat("x", 1100<<10)+`"}`, "Accept-Language", "en")
	if e := testkit.APIErrorOf(t, r); r.Status != http.StatusRequestEntityTooLarge || e.Error.Code != "too_large" || e.Error.Message != i18n.T(i18n.EN, "error.too_large") {
		t.Errorf("POST /api/v1/vms of 1.1 MB: %d %+v, want 413 too_large in English", r.Status, e.Error)
	}
}
