package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"abrak/testkit"
	"abrak/vmstatus"
)

// A poller that sends the ETag it holds gets 304 while nothing it shows has
// changed, and the new answer as soon as anything has: through the API, from
// a worker writing the store (as the reconciler does), or to another customer
// (which must not count). A poller that sends nothing gets the same bytes a
// fresh reading would give.
func TestAPIListAnswersNotModifiedUntilSomethingChanges(t *testing.T) {
	w := newVMWorld(t)
	list := func(token, etag string) testkit.Response {
		t.Helper()
		if etag == "" {
			return w.a.APICall(t, http.MethodGet, "/api/v1/vms?limit=1", token, "")
		}
		return w.a.APICall(t, http.MethodGet, "/api/v1/vms?limit=1", token, "", "If-None-Match", etag)
	}
	first := list(w.ana.token, "")
	testkit.MustStatus(t, "list", first, http.StatusOK)
	tag := first.Header.Get("ETag")
	if tag == "" || first.Header.Get("Cache-Control") != "private, no-cache" || !strings.Contains(first.Header.Get("Vary"), "Authorization") {
		t.Fatalf("validators: ETag %q, Cache-Control %q, Vary %q", tag, first.Header.Get("Cache-Control"), first.Header.Get("Vary"))
	}
	again := list(w.ana.token, "")
	if again.Body != first.Body || again.Header.Get("Link") != first.Header.Get("Link") || again.Header.Get("Link") == "" {
		t.Fatalf("the kept answer differs from the first:\n%s\nLink %q\n%s\nLink %q", first.Body, first.Header.Get("Link"), again.Body, again.Header.Get("Link"))
	}
	nm := list(w.ana.token, tag)
	testkit.MustStatus(t, "list with the tag held", nm, http.StatusNotModified)
	if nm.Body != "" || nm.Header.Get("ETag") != tag {
		t.Fatalf("304 with body %q and ETag %q", nm.Body, nm.Header.Get("ETag"))
	}
	if r := list(w.ana.token, `W/`+tag+`, "other"`); r.Status != http.StatusNotModified {
		t.Fatalf("a weak tag in a list: %d, want 304", r.Status)
	}
	if r := list(w.bob.token, tag); r.Status != http.StatusOK {
		t.Fatalf("another customer holding ana's tag: %d, want 200", r.Status)
	}

	// Another customer's change is not ana's.
	testkit.MustStatus(t, "bob renames", w.a.APICall(t, "PATCH", "/api/v1/vms/"+w.bobs, w.bob.token, `{"display_name":"bob-renamed"}`), http.StatusOK)
	testkit.MustStatus(t, "after bob's rename", list(w.ana.token, tag), http.StatusNotModified)

	// Ana's newest VM is db-1 (the first of a page of one); a worker moves it on.
	settle(t, w.a, w.db, vmstatus.Running)
	moved := list(w.ana.token, tag)
	testkit.MustStatus(t, "after a worker's write", moved, http.StatusOK)
	if !strings.Contains(moved.Body, `"status":"running"`) || moved.Header.Get("ETag") == tag {
		t.Fatalf("after the status change: ETag %q (was %q), body %s", moved.Header.Get("ETag"), tag, testkit.Trim(moved.Body))
	}
	tag = moved.Header.Get("ETag")
	testkit.MustStatus(t, "rename", w.a.APICall(t, "PATCH", "/api/v1/vms/"+w.db, w.ana.token, `{"display_name":"db-renamed"}`), http.StatusOK)
	renamed := list(w.ana.token, tag)
	if renamed.Status != http.StatusOK || !strings.Contains(renamed.Body, "db-renamed") {
		t.Fatalf("after a rename: %d %s", renamed.Status, testkit.Trim(renamed.Body))
	}
	if r := list(w.ana.token, ""); r.Body != renamed.Body {
		t.Fatalf("the kept answer after the rename differs:\n%s\n%s", renamed.Body, r.Body)
	}

	// A token revoked meanwhile is refused, whatever tag it holds.
	tok, row := w.a.MintToken(t, w.ana.email, "vm:read")
	held := list(tok, "").Header.Get("ETag")
	if err := w.a.Tokens.Revoke(context.Background(), w.a.PrincipalOf(t, w.ana.email), row.ID); err != nil {
		t.Fatal(err)
	}
	if r := list(tok, held); r.Status != http.StatusUnauthorized {
		t.Fatalf("a revoked token with its tag: %d, want 401", r.Status)
	}
}

// A token the panel has checked is kept checked only while nothing about it
// or its owner changed: a revocation, an expiry or a change of scopes written
// by anyone (here straight into the database, as another process would) is
// honoured by the very next request.
func TestCheckedTokensFollowTheDatabase(t *testing.T) {
	w := newVMWorld(t)
	for _, c := range []struct{ what, sql string }{
		{"revoked", `UPDATE api_tokens SET revoked_at = strftime('%s', 'now') WHERE id = ?`},
		{"expired", `UPDATE api_tokens SET expires_at = strftime('%s', 'now') - 1 WHERE id = ?`},
		{"deleted", `DELETE FROM api_tokens WHERE id = ?`},
	} {
		tok, row := w.a.MintToken(t, w.ana.email, "vm:read")
		for range 2 {
			testkit.MustStatus(t, c.what+": before", w.a.APICall(t, http.MethodGet, "/api/v1/vms", tok, ""), http.StatusOK)
		}
		if _, err := w.a.DB.W.Exec(c.sql, row.ID); err != nil {
			t.Fatal(err)
		}
		testkit.MustStatus(t, c.what+": after", w.a.APICall(t, http.MethodGet, "/api/v1/vms", tok, ""), http.StatusUnauthorized)
	}
	tok, row := w.a.MintToken(t, w.ana.email, "vm:read")
	testkit.MustStatus(t, "before the scope change", w.a.APICall(t, http.MethodGet, "/api/v1/vms", tok, ""), http.StatusOK)
	if _, err := w.a.DB.W.Exec(`UPDATE api_tokens SET scopes = 'account:read' WHERE id = ?`, row.ID); err != nil {
		t.Fatal(err)
	}
	testkit.MustStatus(t, "after the scope change", w.a.APICall(t, http.MethodGet, "/api/v1/vms", tok, ""), http.StatusForbidden)
}

// The dashboard's polls (the VM table, a VM page's live part) revalidate the
// same way, and so do browsers by themselves: the answers are private,
// no-cache, and vary with the cookie and htmx's header. The whole pages carry
// no tag (they hold a flash message and the session's token).
func TestDashboardPollsAnswerNotModifiedUntilSomethingChanges(t *testing.T) {
	w := newVMWorld(t)
	c := w.a.Client(t)
	c.SignIn(w.ana.email, testkit.Password)
	htmx := func(path, etag string) testkit.Response {
		t.Helper()
		h := testkit.Header("HX-Request", "true")
		if etag != "" {
			h.Set("If-None-Match", etag)
		}
		return c.Do(http.MethodGet, path, nil, h)
	}
	if r := c.Get("/vms"); r.Header.Get("ETag") != "" {
		t.Fatalf("the whole list page has an ETag %q", r.Header.Get("ETag"))
	}
	for _, path := range []string{"/vms", "/vms/" + w.web} {
		first := htmx(path, "")
		testkit.MustStatus(t, path, first, http.StatusOK)
		tag := first.Header.Get("ETag")
		if tag == "" || first.Header.Get("Cache-Control") != "private, no-cache" || !strings.Contains(first.Header.Get("Vary"), "HX-Request") {
			t.Fatalf("%s: ETag %q, Cache-Control %q, Vary %q", path, tag, first.Header.Get("Cache-Control"), first.Header.Get("Vary"))
		}
		if r := htmx(path, ""); r.Body != first.Body {
			t.Fatalf("%s: the kept drawing differs from the first", path)
		}
		testkit.MustStatus(t, path+" with its tag", htmx(path, tag), http.StatusNotModified)
		if r := c.Do(http.MethodGet, path, nil, testkit.Header("If-None-Match", tag)); r.Status != http.StatusOK || !strings.Contains(r.Body, "<html") {
			t.Fatalf("%s: the whole page with the partial's tag: %d", path, r.Status)
		}
	}

	settle(t, w.a, w.web, vmstatus.Running)
	testkit.MustStatus(t, "rename", w.a.APICall(t, "PATCH", "/api/v1/vms/"+w.web, w.ana.token, `{"display_name":"web-renamed"}`), http.StatusOK)
	table := htmx("/vms", "")
	if !strings.Contains(table.Body, "web-renamed") {
		t.Fatalf("the table after a rename: %s", testkit.Trim(table.Body))
	}
	live := htmx("/vms/"+w.web, "")
	if !strings.Contains(live.Body, `data-status="running"`) {
		t.Fatalf("the live part after the VM started: %s", testkit.Trim(live.Body))
	}

	// Bob, signed in, holding ana's tags, gets his own answers.
	bob := w.a.Client(t)
	bob.SignIn(w.bob.email, testkit.Password)
	h := testkit.Header("HX-Request", "true", "If-None-Match", table.Header.Get("ETag"))
	if r := bob.Do(http.MethodGet, "/vms", nil, h); r.Status != http.StatusOK || strings.Contains(r.Body, "web-renamed") {
		t.Fatalf("bob with ana's tag: %d %s", r.Status, testkit.Trim(r.Body))
	}
}

// Reading writes nothing: once a browser's session and a token have been
// seen (their last use is written at most once a minute), pages, the
// dashboard's polls and the API's reads make no write to the database.
func TestReadsWriteNothing(t *testing.T) {
	w := newVMWorld(t)
	c := w.a.Client(t)
	c.SignIn(w.ana.email, testkit.Password)
	writes := func() (n int64) {
		t.Helper()
		if err := w.a.DB.W.QueryRow(`SELECT total_changes()`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	read := func() {
		for _, p := range []string{"/vms", "/vms/" + w.web, "/wallet", "/account", "/activity", "/docs/api", "/tokens", "/ssh-keys"} {
			testkit.MustStatus(t, p, c.Get(p), http.StatusOK)
		}
		for _, p := range []string{"/vms", "/vms/" + w.web} {
			testkit.MustStatus(t, p+" (poll)", c.Do(http.MethodGet, p, nil, testkit.Header("HX-Request", "true")), http.StatusOK)
		}
		for _, p := range []string{"/api/v1/vms", "/api/v1/vms/" + w.web, "/api/v1/account", "/api/v1/plans"} {
			testkit.MustStatus(t, p, w.a.APICall(t, http.MethodGet, p, w.ana.token, ""), http.StatusOK)
		}
	}
	read() // the first sight of the session and the token is written
	before := writes()
	read()
	read()
	if after := writes(); after != before {
		t.Fatalf("two rounds of reads made %d writes", after-before)
	}
}
