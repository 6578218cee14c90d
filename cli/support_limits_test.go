package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"abrak/testkit"
)

// `abrak admin support-limits` shows the defaults, changes a figure as the
// Settings page would (a negative one refused naming it) and the panel's
// service reads the change.
func TestCLISupportLimits(t *testing.T) {
	a := testkit.NewApp(t)
	ctx := context.Background()
	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := adminSupportLimits(ctx, append([]string{"--db", a.DB.Path}, args...), &out)
		return out.String(), err
	}
	if out, err := run("--json"); err != nil || strings.TrimSpace(out) != `{"per_act_toman":500000,"per_day_toman":2000000}` {
		t.Errorf("the defaults: %s %v", out, err)
	}
	if _, err := run("--per-act", "-1"); err == nil || !strings.Contains(err.Error(), "per") {
		t.Errorf("a negative limit: %v, want it refused naming it", err)
	}
	if out, err := run("--per-day", "750000"); err != nil || !strings.Contains(out, "per-day  750000 toman") || !strings.Contains(out, "per-act  500000 toman") {
		t.Errorf("setting the day's limit: %s %v", out, err)
	}
	if n := a.Count(t, `SELECT count(*) FROM audit_events WHERE action = 'admin.support_limits'`); n != 1 {
		t.Errorf("%d changes audited, want 1", n)
	}
}
