package web_test

import (
	"testing"

	"abrak/testkit"
)

// Reading pages writes nothing to the database for the session: its expiry on
// disk moves at most once a minute (store.SessionTouch).
func TestPlainGETsDoNotWriteTheSession(t *testing.T) {
	a := testkit.NewApp(t)
	a.CreateUser(t, "reader@example.com", testkit.Password)
	c := a.Client(t)
	c.SignIn("reader@example.com", testkit.Password)
	c.Get("/vms")
	state := func() string {
		var s string
		if err := a.DB.R.QueryRow(`SELECT group_concat(token || ':' || expiry || ':' || length(data)) FROM sessions`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := state()
	for _, p := range []string{"/vms", "/wallet", "/account", "/vms?lang=en", "/activity"} {
		c.Get(p)
	}
	if after := state(); after != before {
		t.Errorf("plain GETs wrote the session:\n%s\n%s", before, after)
	}
}
