package web_test

import "testing"

// Reading pages writes nothing to the database for the session: its expiry on
// disk moves at most once a minute (store.SessionTouch).
func TestPlainGETsDoNotWriteTheSession(t *testing.T) {
	a := newTestApp(t)
	a.createUser(t, "reader@example.com", testPassword)
	c := a.client(t)
	c.signIn("reader@example.com", testPassword)
	c.get("/vms")
	state := func() string {
		var s string
		if err := a.DB.R.QueryRow(`SELECT group_concat(token || ':' || expiry || ':' || length(data)) FROM sessions`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := state()
	for _, p := range []string{"/vms", "/wallet", "/account", "/vms?lang=en", "/activity"} {
		c.get(p)
	}
	if after := state(); after != before {
		t.Errorf("plain GETs wrote the session:\n%s\n%s", before, after)
	}
}
