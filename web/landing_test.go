package web_test

import (
	"net/http"
	"strings"
	"testing"

	"abrak/testkit"
)

// A visitor who is not signed in sees the provider's plans with their prices,
// its regions and images, in Persian or English, and the way in; a signed-in
// customer goes to the VM list.
func TestLandingPage(t *testing.T) {
	a := testkit.NewApp(t)
	seedCatalog(t, a)
	c := a.Client(t)
	fa := c.Get("/?lang=fa")
	testkit.MustStatus(t, "landing", fa, http.StatusOK)
	for _, want := range []string{"آغازین", "حرفه‌ای", "۵٬۰۰۰ تومان", "تهران ۱", "Debian 12"} {
		if !testkit.Contains(fa.Body, want) {
			t.Errorf("the Persian landing page lacks %q", want)
		}
	}
	if !strings.Contains(fa.Body, `href="/signup"`) || !strings.Contains(fa.Body, `href="/signin"`) {
		t.Error("the landing page has no way to sign up or sign in")
	}
	en := c.Get("/?lang=en")
	for _, want := range []string{"Starter", "Pro", "5,000 toman per hour", "about 3,650,000 toman per month", "Tehran 1"} {
		if !testkit.Contains(en.Body, want) {
			t.Errorf("the English landing page lacks %q", want)
		}
	}
	if strings.Contains(en.Body, ">starter<") || strings.Contains(en.Body, ">thr-1<") {
		t.Error("the landing page shows slugs instead of names")
	}
	a.CreateUser(t, "ana@example.com", testkit.Password)
	c.SignIn("ana@example.com", testkit.Password)
	if r := c.Get("/"); r.Status != http.StatusSeeOther || r.Location() != "/vms" {
		t.Errorf("a signed-in customer at /: %d → %q, want the VM list", r.Status, r.Location())
	}

	for _, run := range []struct {
		lang  string
		phone bool
	}{{"fa", true}, {"en", false}} {
		p := testkit.NewTab(t, testkit.NewBrowser(t), a.URL)
		p.Open("/?lang=" + run.lang)
		size := "desktop"
		if run.phone {
			p.AtPhoneSize()
			size = "phone"
		}
		p.SaveFullScreenshot("landing-" + run.lang + "-" + size)
		p.Click(`[data-testid=landing-signup]`, `form[action="/signup"]`)
	}
}
