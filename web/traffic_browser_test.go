package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"abrak/calendar"
	"abrak/store"
	"abrak/testkit"
	"abrak/views/i18n"
	"abrak/vmstatus"
)

// Traffic is explained: each plan on the landing page and the order form says
// its monthly allowance, or that it has none; the VM's network tab counts the
// customer's month (a Jalali month in Tehran in Persian, a calendar month in
// UTC in English), names it, and says so. In Persian and English, on a phone
// and a desktop.
func TestTrafficIsCountedInTheCustomersMonth(t *testing.T) {
	a := testkit.NewApp(t)
	seedCatalog(t, a)
	ctx := context.Background()
	if err := a.DB.UpsertPlan(ctx, store.Plan{Slug: "pro", NameFA: "حرفه‌ای", NameEN: "Pro", VCPUs: 4, MemoryMB: 8192, DiskGB: 160,
		PriceHourlyRials: 400_000, Sort: 2, Active: true, TrafficGB: 2000}); err != nil {
		t.Fatal(err)
	}
	// An instant in this month of one calendar and the month before in the
	// other: the two months never start together (a Jalali month starts at
	// 20:30 UTC around the 20th).
	now := time.Now()
	jalali, gregorian := calendar.At(now, true), calendar.At(now, false)
	earlier := gregorian.From.Add(-time.Hour) // in this Jalali month, last UTC month
	if gregorian.From.Before(jalali.From) {
		earlier = jalali.From.Add(-time.Hour) // in this UTC month, last Jalali month
	}
	const gb = int64(1) << 30
	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		t.Run(string(lang), func(t *testing.T) {
			T := func(key string, args ...string) string { return i18n.T(lang, key, args...) }
			email := "traffic-" + string(lang) + "@example.com"
			c := newVMCustomer(t, a, email, startBalanceRials)
			uuid := orderVM(t, a, c, "net-"+string(lang), "net-"+string(lang))
			settle(t, a, uuid, vmstatus.Running)
			id := vmRow(t, a, uuid).ID
			if err := a.DB.RecordTraffic(ctx, []store.TrafficSample{{VMID: id, DomainID: 1, Received: 5 * gb, Sent: 2 * gb}}, earlier); err != nil {
				t.Fatal(err)
			}
			if err := a.DB.RecordTraffic(ctx, []store.TrafficSample{{VMID: id, DomainID: 1, Received: 8 * gb, Sent: 3 * gb}}, now); err != nil {
				t.Fatal(err)
			}
			month := calendar.At(now, lang == i18n.FA)
			received, sent := 3*gb, 1*gb // only what came after earlier
			if !earlier.Before(month.From) {
				received, sent = 8*gb, 3*gb // earlier is in the customer's month too
			}

			p := testkit.NewTab(t, testkit.NewBrowser(t), a.URL)
			p.Open("/?lang=" + string(lang))
			p.WantTexts(`[data-testid=landing-plans] [data-testid=plan-traffic]`, T("vm.plan_traffic_unlimited"),
				T("vm.plan_traffic", "size", T("unit.gb", "n", i18n.Number(lang, 2000))))
			p.Open("/signin")
			p.Fill(map[string]string{"#f-email": email, "#f-password": testkit.Password})
			p.Click(`form[action="/signin"] button[type=submit]`, `[data-testid=balance]`)
			for _, size := range []string{"phone", "desktop"} {
				p.Open("/vms/new")
				if size == "phone" {
					p.AtPhoneSize()
				} else {
					p.AtDesktopSize()
				}
				p.WantText(`[data-plan=starter] [data-testid=plan-traffic]`, T("vm.plan_traffic_unlimited"))
				p.WantText(`[data-plan=pro] [data-testid=plan-traffic]`, T("vm.plan_traffic", "size", T("unit.gb", "n", i18n.Number(lang, 2000))))
				p.SaveFullScreenshot("walk-6-order-" + string(lang) + "-" + size)

				p.Open("/vms/" + uuid + "?tab=network")
				p.WantLangDir(string(lang), lang.Dir())
				p.WantText(`[data-testid=vm-traffic-month]`, T("vm.traffic_in", "month", i18n.MonthName(lang, month.Year, month.Number, month.Jalali)))
				p.WantText(`[data-testid=vm-traffic]`, T("vm.traffic_line", "received", i18n.Bytes(lang, received), "sent", i18n.Bytes(lang, sent)))
				p.WantText(`[data-testid=network-hint]`, T("vm.network_hint"))
				p.SaveFullScreenshot("walk-6-" + string(lang) + "-" + size)
			}
		})
	}
}

// The API's plans carry their traffic allowance (0: unlimited).
func TestThePlansAPISaysTheTrafficAllowance(t *testing.T) {
	a := testkit.NewApp(t)
	seedCatalog(t, a)
	if err := a.DB.UpsertPlan(context.Background(), store.Plan{Slug: "pro", NameFA: "حرفه‌ای", NameEN: "Pro", VCPUs: 4, MemoryMB: 8192, DiskGB: 160,
		PriceHourlyRials: 400_000, Sort: 2, Active: true, TrafficGB: 2000}); err != nil {
		t.Fatal(err)
	}
	c := newVMCustomer(t, a, "plans-api@example.com", 0)
	r := a.APICall(t, http.MethodGet, "/api/v1/plans", c.token, "")
	testkit.MustStatus(t, "list plans", r, http.StatusOK)
	if !strings.Contains(r.Body, `"slug":"pro"`) || !strings.Contains(r.Body, `"traffic_gb":2000`) || !strings.Contains(r.Body, `"traffic_gb":0`) {
		t.Errorf("the plans do not say their traffic allowance: %s", r.Body)
	}
}
