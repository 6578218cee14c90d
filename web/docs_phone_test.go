package web_test

import "testing"

// The API docs page fits a phone (390 px) in both languages: nothing scrolls sideways.
func TestAPIDocsFitAPhone(t *testing.T) {
	a := newTestApp(t)
	seedCatalog(t, a)
	p := newTab(t, newBrowser(t), a.URL)
	for _, l := range []string{"fa", "en"} {
		p.open("/docs/api?lang=" + l)
		p.atPhoneSize() // fails the test when the page is wider than the phone
		p.screenshot("apidocs-" + l + "-phone")
		p.atDesktopSize()
	}
}
