package views

import (
	"context"
	"strings"
	"testing"

	"abrak/views/i18n"
)

// The VM's header follows the power action the customer asked for: while it
// runs it says so, then says where the VM ended up or why it did not; the
// poll keeps following it; other actions and an unfollowed page say nothing.
func TestPowerFeedbackFollowsTheAction(t *testing.T) {
	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		s := Shell{Locale: lang}
		name := isolate("web")
		v := VMPageView{VM: VMDetail{UUID: "u", Name: "web"}, Following: 7, Actions: []VMActionRow{{ID: 7, Type: "shutdown", Status: "in-progress"}}}
		for _, c := range []struct {
			status, err, want string
		}{
			{"in-progress", "", s.T("vm.power_doing.shutdown", "name", name)},
			{"completed", "", s.T("vm.power_done.shutdown", "name", name)},
			{"errored", "action.error.node_unavailable", s.T("vm.power_failed", "error", s.T("action.error.node_unavailable"))},
		} {
			v.Actions[0].Status, v.Actions[0].Error = c.status, c.err
			var b strings.Builder
			if err := vmPowerFeedback(s, v).Render(context.Background(), &b); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(b.String(), templEscape(c.want)) {
				t.Errorf("%s %s: the header reads %q, want %q", lang, c.status, b.String(), c.want)
			}
		}
		if u := vmLiveURL(v); !strings.Contains(u, "power=7") {
			t.Errorf("the poll asks %s, not following the action", u)
		}
		v.Following = 0
		var b strings.Builder
		_ = vmPowerFeedback(s, v).Render(context.Background(), &b)
		if b.Len() != 0 {
			t.Errorf("a page that follows nothing says %q", b.String())
		}
	}
}

func templEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}
