package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"abrak/services"
	"abrak/testkit"
	"abrak/views/i18n"
)

// The Settings page and its JSON twin tell the operator whether mail and
// online payment are configured and the last error each met (a letter the
// mail server refused), never the SMTP password or the merchant id; support
// reads the page without the brand's form and may not change it, and an
// admin does (a bad field is a 422 naming it and changes nothing).
func TestTheSettingsPageTellsThePartsWithoutSecrets(t *testing.T) {
	t.Parallel()
	ms := testkit.NewMailServer(t)
	z := testkit.NewZarinpal(t)
	a := testkit.NewApp(t, testkit.WithMail(ms), z.Gateway(testkit.ZarinpalMerchant))
	pp := newStaffPeople(t, a)

	// The staff's own letters (two-factor turned on) go first: refused too,
	// they would make more than the one failure the page is to count.
	testkit.WaitFor(t, 30*time.Second, "the staff's letters sent", func() bool {
		return a.Count(t, `SELECT count(*) FROM mail_queue WHERE status = 'pending'`) == 0
	})
	ms.Refuse(0, true)
	testkit.MustStatus(t, "sign-up", a.Client(t).Post("/signup", testkit.Form("email", "leo@example.com", "name", "Leo",
		"password", testkit.Password, "confirm", testkit.Password)), http.StatusSeeOther)
	testkit.WaitFor(t, 30*time.Second, "the refused letter is given up on", func() bool {
		return a.Count(t, `SELECT count(*) FROM mail_queue WHERE status = 'failed'`) == 1
	})

	secrets := []string{"smtp-secret", testkit.ZarinpalMerchant}
	page := pp.admin.Get("/admin/settings?lang=en")
	testkit.MustStatus(t, "the admin's settings page", page, http.StatusOK)
	for _, want := range []string{i18n.T(i18n.EN, "admin.settings.configured"), "550",
		i18n.T(i18n.EN, "admin.settings.mail_failed", "n", "1"), "zarinpal"} {
		if !testkit.Contains(page.Body, want) {
			t.Errorf("the settings page lacks %q", want)
		}
	}
	if !strings.Contains(page.Body, `data-testid="brand-form"`) {
		t.Error("the admin is not offered the brand's form")
	}
	if strings.Contains(page.Body, i18n.T(i18n.EN, "admin.settings.not_configured")) {
		t.Error("the settings page says a configured part is not")
	}
	support := pp.support.Get("/admin/settings?lang=fa")
	testkit.MustStatus(t, "support's settings page", support, http.StatusOK)
	if strings.Contains(support.Body, `data-testid="brand-form"`) || !strings.Contains(support.Body, `data-testid="brand-read"`) {
		t.Error("support is offered the brand's form")
	}

	admin, _ := a.MintToken(t, "ops@example.com", services.ScopeAdmin)
	r := a.APICall(t, http.MethodGet, "/api/v1/admin/settings", admin, "")
	testkit.MustStatus(t, "the admin reads the settings", r, http.StatusOK)
	var got struct {
		Brand struct {
			NameEN string `json:"name_en"`
		} `json:"brand"`
		Mail struct {
			Configured bool   `json:"configured"`
			Failed     int    `json:"failed"`
			LastError  string `json:"last_error"`
		} `json:"mail"`
		Payments struct {
			Configured bool   `json:"configured"`
			Gateway    string `json:"gateway"`
		} `json:"payments"`
		Backups struct {
			Keep        int    `json:"keep"`
			WindowStart string `json:"window_start"`
		} `json:"backups"`
	}
	if err := json.Unmarshal([]byte(r.Body), &got); err != nil {
		t.Fatal(err)
	}
	if !got.Mail.Configured || got.Mail.Failed != 1 || !strings.Contains(got.Mail.LastError, "550") || !got.Payments.Configured ||
		got.Payments.Gateway != "zarinpal" || got.Backups.Keep != 7 || got.Backups.WindowStart != "01:00" {
		t.Errorf("the settings as the API tells them: %+v", got)
	}
	for _, body := range []string{page.Body, support.Body, r.Body} {
		for _, s := range secrets {
			if strings.Contains(body, s) {
				t.Errorf("a secret (%s) is shown", s)
			}
		}
	}

	testkit.MustStatus(t, "support changes the brand", pp.support.Post("/admin/settings/brand", testkit.Form("name_en", "Sara Cloud")), http.StatusForbidden)
	if signin := a.Client(t).Get("/signin?lang=en"); strings.Contains(signin.Body, "Sara Cloud") {
		t.Error("support's refused form changed the brand")
	}
	r = a.APICall(t, http.MethodPatch, "/api/v1/admin/brand", admin, `{"name_en":"Sample Cloud","accent":"#ffffff"}`)
	testkit.MustStatus(t, "a colour too light", r, http.StatusUnprocessableEntity)
	if e := testkit.APIErrorOf(t, r); e.Error.Fields["accent"] == "" || len(e.Error.Fields) != 1 {
		t.Errorf("the refusal names %v, want accent alone", e.Error.Fields)
	}
	r = a.APICall(t, http.MethodPatch, "/api/v1/admin/brand", admin, `{"name_en":"Sample Cloud","support_email":"help@example.com"}`)
	testkit.MustStatus(t, "the admin changes the brand", r, http.StatusOK)
	if signin := a.Client(t).Get("/signin?lang=en"); !strings.Contains(signin.Body, "Sample Cloud") {
		t.Error("the sign-in page does not show the brand the admin set")
	}
}
