package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"abrak/testkit"
	"abrak/views/i18n"
)

// The webhooks page, in Persian and English, on a phone and a desktop: a URL
// on a private network comes back with its reason beside the field, a
// webhook added shows its signing secret once (not on the next visit), a
// test event reaches the receiver signed and is listed delivered with its
// status code in the page's digits, and the webhook is deleted after a
// confirmation.
func TestTheWebhooksPageInTheBrowser(t *testing.T) {
	a := testkit.NewApp(t, withLoopbackWebhooks)
	ana := a.CreateUser(t, "ana@example.com", testkit.Password)
	rcv := newLoopbackReceiver(t)
	ctx := context.Background()
	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		t.Run(string(lang), func(t *testing.T) {
			T := func(key string, args ...string) string { return i18n.T(lang, key, args...) }
			p := testkit.NewTab(t, testkit.NewBrowser(t), a.URL)
			p.SignIn(string(lang), ana.Email)
			for _, size := range []string{"desktop", "phone"} {
				p.Open("/webhooks")
				if size == "phone" {
					p.AtPhoneSize()
				} else {
					p.AtDesktopSize()
				}
				p.WantLangDir(string(lang), lang.Dir())
				p.WantText(`[data-testid=empty]`, T("webhooks.empty"))

				// A private address: refused beside the field, saying why.
				p.Fill(map[string]string{"#f-url": "http://192.168.1.10/hook"})
				p.MustElement(`input[name=events][value="vm.status_changed"]`).MustClick()
				p.Click(`#new-webhook-form button[type=submit]`, `[data-field-error=url]`)
				p.WantText(`[data-field-error=url]`, T("webhook.url_private"))
				if !p.MustElement(`input[name=events][value="vm.status_changed"]`).MustProperty("checked").Bool() {
					t.Error("the refused form forgot the events ticked")
				}

				// Added: the secret, once.
				url := rcv.srv.URL + "/" + string(lang) + "-" + size
				p.MustElement(`#f-url`).MustSelectAllText().MustInput(url)
				p.Click(`#new-webhook-form button[type=submit]`, `[data-testid=webhook-secret]`)
				secret := strings.TrimSpace(p.MustElement(`[data-testid=webhook-secret]`).MustText())
				if !strings.HasPrefix(secret, "whsec_") {
					t.Fatalf("the secret shown is %q", secret)
				}
				rcv.secret.Store(secret)
				p.WantText(`[data-testid=new-webhook] h2`, T("webhooks.created_title"))
				p.WantText(`[data-testid=webhooks] [data-testid=webhook-url]`, url)
				p.WantText(`[data-testid=webhooks] [data-testid=webhook-state]`, T("webhooks.state_on"))
				p.SaveFullScreenshot("webhooks-" + string(lang) + "-" + size)
				p.Open("/webhooks")
				if n := p.MustEval(`() => document.querySelectorAll('[data-testid=webhook-secret]').length`).Int(); n != 0 {
					t.Errorf("the secret is shown again on the next visit")
				}

				// A test event: sent, listed delivered with its code.
				before := rcv.ok.Load()
				p.Click(`[data-testid=webhooks] [data-testid=send-test]`, `[data-testid=deliveries]`)
				p.WantTexts(`[data-testid=delivery-status]`, T("webhooks.delivery.pending"))
				a.Webhooks.DeliverDue(ctx)
				if rcv.ok.Load() != before+1 || rcv.fail.Load() != 0 {
					t.Fatalf("the receiver verified %d new deliveries and refused %d", rcv.ok.Load()-before, rcv.fail.Load())
				}
				p.Open(p.Path())
				p.WantTexts(`[data-testid=delivery-type]`, "ping")
				p.WantTexts(`[data-testid=delivery-status]`, T("webhooks.delivery.delivered"))
				p.WantTexts(`[data-testid=delivery-code]`, i18n.Number(lang, 200))
				p.WantTexts(`[data-testid=delivery-attempts]`, i18n.Number(lang, 1))
				p.SaveFullScreenshot("webhook-deliveries-" + string(lang) + "-" + size)

				// Sent again from the list: a second delivery of the same event.
				p.MustElement(`[data-testid=redeliver]`).MustClick()
				p.WaitDOM(30*time.Second, "the delivery sent again is listed",
					`() => document.querySelectorAll('[data-testid=delivery-status]').length === 2`)
				a.Webhooks.DeliverDue(ctx)
				p.Open(p.Path())
				p.WantTexts(`[data-testid=delivery-status]`, T("webhooks.delivery.delivered"), T("webhooks.delivery.delivered"))

				p.Open("/webhooks")
				p.ConfirmClick(`[data-testid=webhooks] .btn-danger`, T("webhooks.delete_confirm", "url", testkit.Isolated(url)))
				p.WantText(`[data-testid=empty]`, T("webhooks.empty"))
			}
		})
	}
}
