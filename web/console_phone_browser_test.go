package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/go-rod/rod/lib/input"

	"abrak/services"
	"abrak/store"
	"abrak/testkit"
	"abrak/views/i18n"
	"abrak/vmstatus"
)

// The console runs commands from a phone: the type field takes a command and
// sends it with Enter ("Type + Enter") and is emptied; the keyboard button
// raises a keyboard whose keys reach the guest; the key bar has Enter. Each
// command writes into the guest (the tiny guest's tty1 is a root shell), and
// what it wrote is read back over SSH, against the guest's own `uname -a`.
// In fa and en at phone and desktop width, on a real guest.
func TestConsoleRunsCommandsFromAPhone(t *testing.T) {
	t.Parallel()
	qp := testkit.NewQEMUPanel(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	u := qp.Customer(t, "ana@example.com")
	if _, err := qp.DB.W.Exec(`UPDATE users SET email_verified_at = coalesce(email_verified_at, unixepoch()) WHERE id = ?`, u.ID); err != nil {
		t.Fatal(err)
	}
	const password = "Correct-Horse-42!"
	ana := services.Principal{UserID: u.ID, Email: u.Email, IP: "127.0.0.1"}
	o, err := qp.VMs.Create(ctx, ana, services.CreateVMInput{PlanSlug: testkit.QEMUPlan, OSTemplateSlug: testkit.QEMUTemplate, AuthMode: "password",
		CustomPassword: password, DisplayName: "console-vm", Hostname: "console-vm"})
	if err != nil {
		t.Fatal(err)
	}
	var vm store.VM
	testkit.WaitFor(t, 3*time.Minute, "the VM runs", func() bool {
		vm, err = qp.DB.VMByUUID(ctx, o.VM.UUID)
		return err == nil && vm.Status == vmstatus.Running
	})
	guest := testkit.GuestLogin{Netns: qp.Daemon.Netns, Password: password}
	uname := guest.WaitLogin(t, vm.PublicIP, "uname -a", 3*time.Minute)
	// wrote waits until the guest's file holds want (what a typed command wrote).
	wrote := func(where, file, want string) {
		t.Helper()
		deadline := time.Now().Add(time.Minute)
		for {
			got, _ := guest.Run(vm.PublicIP, "cat "+file+" 2>/dev/null", nil)
			if strings.TrimSpace(got) == want {
				return
			}
			if time.Now().After(deadline) {
				ls, _ := guest.Run(vm.PublicIP, "ls /tmp; cat /tmp/kb-* /tmp/bar-*", nil)
				t.Fatalf("%s: the typed command did not write %q into %s (the guest's /tmp: %s)", where, want, file, ls)
			}
			time.Sleep(500 * time.Millisecond)
		}
	}

	p := qp.SignedInTab(t, "ana@example.com", "fa")
	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		for _, size := range []string{"phone", "desktop"} {
			where := string(lang) + " " + size
			tag := string(lang) + "-" + size
			p.MustNavigate(qp.URL + "/vms/" + vm.UUID + "/console?lang=" + string(lang))
			if size == "phone" {
				p.AtPhoneSize()
			} else {
				p.AtDesktopSize()
			}
			p.SettledElement(`body[data-console-state=connected]`)
			p.MustWaitLoad()
			p.Timeout(2 * time.Minute).MustWait(`() => (` + canvasInk + `)().ink > 500`)
			p.WantLangDir(string(lang), lang.Dir())

			// The type field: a command, sent with Enter, and the field emptied.
			p.MustElement(`#console-paste-text`).MustInput("uname -a | tee /tmp/typed-" + tag)
			p.MustElement(`#console-paste-enter`).MustClick()
			if v := p.MustElement(`#console-paste-text`).MustProperty("value").Str(); v != "" {
				t.Errorf("%s: after sending, the type field still reads %q", where, v)
			}
			wrote(where, "/tmp/typed-"+tag, uname)

			// The type field without Enter, then the key bar's Enter.
			p.MustElement(`#console-paste-text`).MustInput("echo bar > /tmp/bar-" + tag)
			p.MustElement(`#console-paste`).MustClick()
			p.MustElement(`#console-keys [data-key=Enter]`).MustClick()
			wrote(where, "/tmp/bar-"+tag, "bar")

			// The keyboard button: the hidden field takes the focus (a phone raises
			// its keyboard for it), and what is typed there reaches the guest.
			p.MustElement(`#console-keyboard`).MustClick()
			if id := p.MustEval(`() => document.activeElement?.id`).Str(); id != "console-keyboard-input" {
				t.Fatalf("%s: after the keyboard button the focus is on %q", where, id)
			}
			p.MustInsertText("echo kb > /tmp/kb-" + tag)
			p.Keyboard.MustType(input.Enter)
			wrote(where, "/tmp/kb-"+tag, "kb")
			p.SaveScreenshot("walk-3-" + tag)
		}
	}
}
