package web_test

import (
	"net/http"
	"regexp"
	"testing"

	"abrak/testkit"
)

var (
	idAttr  = regexp.MustCompile(`\sid="([^"]+)"`)
	forAttr = regexp.MustCompile(`<label[^>]*\sfor="([^"]+)"`)
)

// Every signed-in page, in both languages, gives each element an id of its
// own and binds each label to an input that exists, so a screen reader (and
// a click on the label) reaches the right field.
func TestIDsAreUniqueAndLabelsBound(t *testing.T) {
	w := newVMWorld(t)
	c := w.a.Client(t)
	c.SignIn(w.ana.email, testkit.Password)
	// Two-factor on: the account page then has two forms with a password field.
	if _, err := w.a.DB.W.Exec(`UPDATE users SET totp_enabled = 1, totp_secret = 'JBSWY3DPEHPK3PXP' WHERE email = ?`, w.ana.email); err != nil {
		t.Fatal(err)
	}
	pages := []string{"/", "/vms", "/vms/new", "/vms/" + w.web, "/wallet", "/wallet/statements/2026-12", "/activity", "/account", "/tokens", "/ssh-keys", "/webhooks", "/docs/api"}
	for _, lang := range []string{"fa", "en"} {
		for _, path := range pages {
			r := c.Get(path + "?lang=" + lang)
			if r.Status == http.StatusSeeOther {
				r = c.Get(r.Location())
			}
			if r.Status != http.StatusOK {
				t.Errorf("%s (%s): %d", path, lang, r.Status)
				continue
			}
			seen := map[string]bool{}
			for _, m := range idAttr.FindAllStringSubmatch(r.Body, -1) {
				if seen[m[1]] {
					t.Errorf("%s (%s): two elements have id %q", path, lang, m[1])
				}
				seen[m[1]] = true
			}
			for _, m := range forAttr.FindAllStringSubmatch(r.Body, -1) {
				if !seen[m[1]] {
					t.Errorf("%s (%s): a label is for %q, which no element is", path, lang, m[1])
				}
			}
		}
	}
}
