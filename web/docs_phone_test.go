package web_test

import (
	"testing"

	"abrak/testkit"
)

// The API docs page fits a phone (390 px) in both languages: nothing scrolls sideways.
func TestAPIDocsFitAPhone(t *testing.T) {
	a := testkit.NewApp(t)
	seedCatalog(t, a)
	p := testkit.NewTab(t, testkit.NewBrowser(t), a.URL)
	for _, l := range []string{"fa", "en"} {
		p.Open("/docs/api?lang=" + l)
		p.AtPhoneSize() // fails the test when the page is wider than the phone
		p.SaveScreenshot("apidocs-" + l + "-phone")
		p.AtDesktopSize()
	}
}
