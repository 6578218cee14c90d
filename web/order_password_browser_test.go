package web_test

import (
	"net/http"
	"testing"

	"abrak/testkit"
	"abrak/views/i18n"
)

// The root password at order: a generated password comes with a "save it now"
// warning and a copy button; an error from a refused submit goes once the
// field is filled; a customer with SSH keys starts on the keys, all of them
// ticked. In Persian and English, on a phone and a desktop.
func TestTheOrderFormsRootPassword(t *testing.T) {
	a := testkit.NewApp(t)
	seedCatalog(t, a)
	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		t.Run(string(lang), func(t *testing.T) {
			T := func(key string, args ...string) string { return i18n.T(lang, key, args...) }
			email := "rootpw-" + string(lang) + "@example.com"
			c := newVMCustomer(t, a, email, startBalanceRials)
			p := testkit.NewTab(t, testkit.NewBrowser(t), a.URL)
			p.SignIn(string(lang), email)
			for _, size := range []string{"phone", "desktop"} {
				p.Open("/vms/new")
				if size == "phone" {
					p.AtPhoneSize()
				} else {
					p.AtDesktopSize()
				}
				p.WantLangDir(string(lang), lang.Dir())
				if !p.MustElement(`#auth-password`).MustProperty("checked").Bool() {
					t.Fatal("without SSH keys the form does not start on a password")
				}
				// Sent without a password: refused beside the field.
				p.Fill(map[string]string{"#f-hostname": "web-" + size})
				p.Click(`[data-testid=create-submit]`, `[data-field-error=custom_password]`)
				p.MustElement(`#f-custom_password`).MustInput("x")
				if n := len(p.MustElements(`[data-field-error=custom_password]`)); n != 0 {
					t.Error("the old error stays under the password field after it is filled")
				}
				if p.MustElement(`#f-custom_password`).MustHas(`.border-red-500`) {
					t.Error("the filled password field is still outlined in red")
				}
				// Generated: the warning and the copy button.
				if p.MustElement(`[data-testid=generated-password-note]`).MustVisible() {
					t.Error("the save-it-now warning shows before a password is generated")
				}
				p.MustElement(`[data-generate-password]`).MustClick()
				note := p.MustElement(`[data-testid=generated-password-note]`)
				if !note.MustVisible() {
					t.Fatal("a generated password has no save-it-now warning")
				}
				p.WantText(`[data-testid=generated-password-note] p`, T("vm.password_save_now"))
				if v := p.MustElement(`#f-custom_password`).MustProperty("value").String(); len(v) != 20 {
					t.Errorf("the generated password is %q", v)
				}
				if target := p.MustElement(`[data-testid=copy-password]`).MustAttribute("data-copy"); target == nil || *target != "f-custom_password" {
					t.Error("the copy button does not copy the password field")
				}
				p.SaveFullScreenshot("walk-4-" + string(lang) + "-" + size)
				// Typed over, the warning is no longer about what is in the field.
				p.MustElement(`#f-custom_password`).MustInput("y")
				if note.MustVisible() {
					t.Error("the save-it-now warning stays after the generated password is changed")
				}
			}

			// With a key on the account, keys are the default, ticked.
			r := a.APICall(t, http.MethodPost, "/api/v1/ssh-keys", c.token,
				`{"name": "laptop", "public_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMUuydsgrWE7DICUyan+6nbdalQoUvCgBFpk8YPgz+wI doc@laptop"}`)
			testkit.MustStatus(t, "add a key", r, http.StatusCreated)
			p.Open("/vms/new")
			if !p.MustElement(`#auth-ssh`).MustProperty("checked").Bool() {
				t.Error("with an SSH key on the account the form does not start on SSH keys")
			}
			if !p.MustElement(`input[name=ssh_key_ids]`).MustProperty("checked").Bool() {
				t.Error("the account's key is not ticked")
			}
			if !p.MustElement(`[data-testid=auth-ssh-section]`).MustVisible() {
				t.Error("the keys are not shown")
			}
			p.SaveFullScreenshot("walk-4-keys-" + string(lang) + "-desktop")
		})
	}
}
