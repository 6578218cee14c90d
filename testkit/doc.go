// Package testkit is the test support every package's tests share: the real
// panel on a fresh SQLite file (NewApp) and a browser's HTTP client of it
// (App.Client), the API door (App.APICall), tables of requests (Scenario,
// APIScenario), a local SMTP server (NewMailServer), a local gateway speaking
// Zarinpal's API (NewZarinpal), headless Chromium (NewBrowser, NewTab), panels
// whose node is a private libvirtd (NewQEMUPanel, NewTestDriverPanel) and SSH
// into their guests (GuestLogin). Nothing here is a mock: each part is the
// real one, or speaks the real protocol on loopback. Only tests import it
// (app's TestNoProductionPackageImportsTheTestKit holds that).
//
//	a := testkit.NewApp(t)                    // options: WithLimits, WithHTTPS, WithAPIRateLimit, WithMail(ms), z.Gateway(merchant), any func(*app.Config)
//	u := a.CreateUser(t, "ana@example.com", testkit.Password) // straight through Accounts.SignUp
//	a.User(t, email), a.Count(t, "SELECT count(*) …", args…) // read the database back
//	c := a.Client(t)                          // a browser: own cookie jar, never follows redirects
//	c.Header.Set("Accept-Language", "en")     // sent with every request of this client
//	c.SignIn(email, testkit.Password)         // GET /signin, POST the form, fails the test unless 303
//	c.SignUp(email, name, password)           // GET /signup, POST the form
//	r := c.Get("/vms")                        // r.Status, r.Header, r.Body, r.Location()
//	r = c.Post("/account/password", testkit.Form("current", "…", "password", "…", "confirm", "…"))
//	r = c.PostToken("/signout", nil, "")      // an explicit CSRF token; "" sends none
//	r = c.Do("GET", "/nope", nil, testkit.Header("Accept", "application/json"))
//	c.Cookie(testkit.SessionCookie), c.SetCookie(name, value) // inspect or plant cookies
//	testkit.FieldErrors(r.Body), testkit.FormMessage(r.Body), testkit.HTMLLangDir(r.Body), testkit.Contains(r.Body, text)
//	secret, _ := a.MintToken(t, email, "vm:read")
//	r = a.APICall(t, "GET", "/api/v1/vms", secret, "", "Accept-Language", "en") // no cookies; header pairs last
//	testkit.MustStatus(t, "list", r, 200); testkit.APIErrorOf(t, r).Error.Fields; testkit.Decode[T](t, r)
//
// The client remembers the CSRF token of the last page it received (the
// <meta name="csrf-token"> tag) and Post sends it as the _csrf field, as a
// browser's form would; Token loads a page first when it has none. Scenario
// tables (RunScenarios) build a fresh app per row, run its setup, send one
// request and check status, redirect, page text, headers and the database;
// APIScenario rows (RunAPIScenarios) send theirs in order to the test's own
// panel with a bearer token and check the status, the error document of a
// refusal and the fields it names, and the answer's content.
//
// Each app checks when its test ends that no page asked for a translation the
// catalogs lack (i18n.Missing).
package testkit
