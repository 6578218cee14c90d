package web_test

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"abrak/testkit"
	"abrak/vmstatus"
)

// The whole audit log, filtered by who did it, whom it concerns, a VM, a
// severity and days, and exported as CSV with the same filter; staff acts
// are there with the staff member's address. A customer never reaches it.
func TestTheAuditLogFiltersAndExports(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	pp := newStaffPeople(t, a)
	ana, uuid := adminCustomerWithVM(t, a, "ana@example.com", 1_000_000, "203.0.113.92")
	settle(t, a, uuid, vmstatus.Stopped)
	page := "/admin/customers/" + itoa(ana.id)
	key := formKeyOf(t, pp.support.Get(page).Body)
	testkit.WantRedirect(t, "credit", pp.support.Post(page+"/credit", testkit.Form("key", key, "direction", "credit", "amount", "100", "reason", "Audit me")), page)
	testkit.WantRedirect(t, "lock", pp.admin.Post("/admin/vms/"+uuid+"/lock", testkit.Form("reason", "Locked for the audit")), "/admin/vms?q="+uuid)

	get := func(q url.Values) string {
		t.Helper()
		r := pp.support.Get("/admin/audit?lang=en&" + q.Encode())
		testkit.MustStatus(t, "the audit page "+q.Encode(), r, http.StatusOK)
		return r.Body
	}
	today := time.Now().UTC().Format("2006-01-02")
	if b := get(url.Values{"actor": {"sara@example.com"}}); !strings.Contains(b, "Audit me") || strings.Contains(b, "Locked for the audit") {
		t.Error("filtered by sara, the log does not show her credit alone")
	}
	if b := get(url.Values{"customer": {"ana@example.com"}}); !strings.Contains(b, "Audit me") || !strings.Contains(b, ">ana@example.com<") {
		t.Error("filtered by ana, the log does not show the credit to her and her own events")
	}
	if b := get(url.Values{"vm": {uuid}}); !strings.Contains(b, "Locked for the audit") || strings.Contains(b, "Audit me") {
		t.Error("filtered by the VM, the log does not show its lock alone")
	}
	if b := get(url.Values{"severity": {"warning"}, "from": {today}, "to": {today}}); !strings.Contains(b, "Audit me") || !strings.Contains(b, "Locked for the audit") {
		t.Error("today's warnings do not hold the credit and the lock")
	}
	if b := get(url.Values{"to": {"2020-01-01"}}); !strings.Contains(b, `data-testid="empty"`) {
		t.Error("nothing happened before 2020, yet the log is not empty")
	}
	r := pp.support.Get("/admin/audit?lang=en&actor=nobody@example.com")
	testkit.MustStatus(t, "an actor no account has", r, http.StatusUnprocessableEntity)
	testkit.MustStatus(t, "a customer reads the log", pp.customer.Get("/admin/audit"), http.StatusNotFound)
	testkit.MustStatus(t, "a customer exports the log", pp.customer.Get("/admin/audit.csv"), http.StatusNotFound)

	r = pp.support.Get("/admin/audit.csv?actor=ops@example.com")
	testkit.MustStatus(t, "the export", r, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("the export is %q", ct)
	}
	records, err := csv.NewReader(strings.NewReader(r.Body)).ReadAll()
	if err != nil || len(records) < 2 || records[0][0] != "time" {
		t.Fatalf("the export is not a CSV with a header and rows: %v\n%s", err, r.Body)
	}
	found := false
	for _, rec := range records[1:] {
		if rec[3] != "ops@example.com" {
			t.Errorf("the export filtered by ops holds %q's event", rec[3])
		}
		found = found || rec[1] == "admin.vm_lock" && rec[8] == uuid && rec[9] == "Locked for the audit"
	}
	if !found {
		t.Error("the export does not hold ops's lock")
	}
}
