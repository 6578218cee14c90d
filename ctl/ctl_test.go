package ctl_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"abrak/client"
	"abrak/ctl"
	"abrak/services"
	"abrak/store"
	"abrak/testkit"
)

// cli runs abrakctl against one panel, as a person or a script would from a shell.
type cli struct {
	t    *testing.T
	env  map[string]string
	http *http.Client
}

type result struct {
	code           int
	stdout, stderr string
}

func (c *cli) run(args ...string) result {
	c.t.Helper()
	var out, errb bytes.Buffer
	code := ctl.Main(args, ctl.Env{Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return c.env[k] }, HTTP: c.http})
	return result{code, out.String(), errb.String()}
}

// ok runs args and fails unless abrakctl exits 0.
func (c *cli) ok(args ...string) result {
	c.t.Helper()
	r := c.run(args...)
	if r.code != 0 {
		c.t.Fatalf("abrakctl %s: exit %d\n%s%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

func decode[T any](t *testing.T, r result) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		t.Fatalf("-o json is not JSON (%v):\n%s", err, r.stdout)
	}
	return v
}

// abrakctl against a live panel (libvirt's test driver as its node): a VM
// ordered and followed with --wait, listed for scripts and for people in
// English and Persian, stopped, snapshotted, renamed; SSH keys; actions; the
// account; and the exit codes a script can rely on.
func TestCLIAgainstAPanel(t *testing.T) {
	a := testkit.NewTestDriverPanel(t, testkit.WithAPIRateLimit(100_000, 100_000))
	u := a.CreateUser(t, "cli@example.com", testkit.Password)
	if _, err := a.DB.Credit(context.Background(), u.ID, 1_000_000, "topup", "test"); err != nil {
		t.Fatal(err)
	}
	tok, _ := a.MintToken(t, u.Email, services.AllScopes...)
	c := &cli{t: t, http: &http.Client{Transport: a.CheckedTransport(t)},
		env: map[string]string{"ABRAK_URL": a.URL, "ABRAK_TOKEN": tok, "LANG": "en_US.UTF-8", "HOME": t.TempDir()}}

	r := c.ok("vm", "create", "--plan", "tiny", "--template", "tiny", "--name", "Web Server", "--hostname", "web-1",
		"--region", "thr-t", "--password", "StrongPass123!", "--wait", "-o", "json")
	vm := decode[client.VM](t, r)
	if vm.UUID == "" || vm.Status != "running" || vm.DisplayName != "Web Server" {
		t.Fatalf("created %+v", vm)
	}
	if !strings.Contains(r.stderr, "(create): completed") {
		t.Errorf("--wait's progress on stderr: %q", r.stderr)
	}

	if vms := decode[[]client.VM](t, c.ok("vm", "list", "--json")); len(vms) != 1 || vms[0].UUID != vm.UUID {
		t.Errorf("vm list --json: %+v", vms)
	}
	en := c.ok("vm", "list").stdout
	for _, want := range []string{"UUID", "NAME", "STATUS", "Web Server", "running", vm.UUID} {
		if !strings.Contains(en, want) {
			t.Errorf("the English table lacks %q:\n%s", want, en)
		}
	}
	c.env["LANG"] = "fa_IR.UTF-8"
	fa := c.ok("vm", "list").stdout
	for _, want := range []string{"نام", "وضعیت", "Web Server", "روشن", vm.UUID} {
		if !strings.Contains(fa, want) {
			t.Errorf("the Persian table lacks %q:\n%s", want, fa)
		}
	}
	if strings.Contains(fa, "running") || strings.Contains(fa, "STATUS") {
		t.Errorf("the Persian table has English words:\n%s", fa)
	}
	faActions := c.ok("action", "list").stdout
	if !strings.Contains(faActions, "انجام شد") || !strings.Contains(faActions, "۱۰۰٪") && !strings.Contains(faActions, "۰٪") {
		t.Errorf("the Persian action table (Persian words and digits):\n%s", faActions)
	}
	c.env["LANG"] = "C.UTF-8"

	stopped := decode[client.Action](t, c.ok("vm", "stop", vm.UUID, "--wait", "-o", "json"))
	if stopped.Type != "shutdown" || stopped.Status != "completed" {
		t.Errorf("vm stop --wait: %+v", stopped)
	}
	testkit.WaitFor(t, time.Minute, "the VM is stopped", func() bool {
		return decode[client.VM](t, c.ok("vm", "get", vm.UUID, "-o", "json")).Status == "stopped"
	})
	// Resized while stopped and before any snapshot (a snapshot keeps the old size).
	if err := a.DB.UpsertPlan(context.Background(), store.Plan{Slug: "small", NameFA: "کوچک ۲", NameEN: "Small", VCPUs: 1, MemoryMB: 512, DiskGB: 2,
		PriceHourlyRials: 2_000, Sort: 2, Active: true}); err != nil {
		t.Fatal(err)
	}
	if a := decode[client.Action](t, c.ok("vm", "resize", vm.UUID, "small", "--wait", "-o", "json")); a.Status != "completed" {
		t.Errorf("vm resize --wait: %+v", a)
	}
	if v := decode[client.VM](t, c.ok("vm", "get", vm.UUID, "-o", "json")); v.Plan.Slug != "small" || v.Plan.MemoryMB != 512 {
		t.Errorf("after resize: %+v", v.Plan)
	}
	c.ok("vm", "snapshot", vm.UUID, "before upgrade", "--wait")
	if ss := decode[[]client.Snapshot](t, c.ok("vm", "snapshots", vm.UUID, "-o", "json")); len(ss) != 1 || ss[0].DisplayName != "before upgrade" {
		t.Errorf("snapshots: %+v", ss)
	}
	if v := decode[client.VM](t, c.ok("vm", "rename", vm.UUID, "API Box", "-o", "json")); v.DisplayName != "API Box" {
		t.Errorf("renamed: %q", v.DisplayName)
	}

	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	sshPub, _ := ssh.NewPublicKey(pub)
	key := decode[client.SSHKey](t, c.ok("ssh-key", "add", "laptop", "--key", string(ssh.MarshalAuthorizedKey(sshPub)), "-o", "json"))
	if keys := decode[[]client.SSHKey](t, c.ok("ssh-key", "list", "-o", "json")); len(keys) != 1 || keys[0].Name != "laptop" {
		t.Errorf("ssh-key list: %+v", keys)
	}
	// An id copied from a Persian table, in Persian digits, works as typed.
	c.ok("ssh-key", "delete", faDigits(fmtID(key.ID)))
	if keys := decode[[]client.SSHKey](t, c.ok("ssh-key", "list", "-o", "json")); len(keys) != 0 {
		t.Errorf("after delete: %+v", keys)
	}
	if acc := decode[client.Account](t, c.ok("account", "-o", "json")); acc.Email != "cli@example.com" {
		t.Errorf("account: %+v", acc)
	}
	acts := decode[[]client.Action](t, c.ok("action", "list", "--type", "create", "-o", "json"))
	if len(acts) != 1 || acts[0].ResourceID != vm.UUID {
		t.Fatalf("action list: %+v", acts)
	}
	if got := decode[client.Action](t, c.ok("action", "get", fmtID(acts[0].ID), "-o", "json")); got.ID != acts[0].ID {
		t.Errorf("action get: %+v", got)
	}

	// Exit codes.
	r = c.run("vm", "get", "00000000-0000-4000-8000-000000000000")
	if r.code != ctl.ExitAPI || !strings.Contains(r.stderr, "not_found") || !strings.Contains(r.stderr, "[request ") {
		t.Errorf("an unknown VM: exit %d, stderr %q", r.code, r.stderr)
	}
	r = c.run("vm", "create", "--plan", "nope", "--template", "tiny", "--password", "StrongPass123!")
	if r.code != ctl.ExitAPI || !strings.Contains(r.stderr, "plan_slug") {
		t.Errorf("a bad order: exit %d, stderr %q", r.code, r.stderr)
	}
	for _, args := range [][]string{{"vm", "frobnicate"}, {"vm", "get"}, {"vm", "list", "--bogus"}, {"vm", "list", "-o", "yaml"}, {"ssh-key", "delete", "seven"}} {
		if r := c.run(args...); r.code != ctl.ExitUsage {
			t.Errorf("abrakctl %s: exit %d, want %d", strings.Join(args, " "), r.code, ctl.ExitUsage)
		}
	}
	r = c.run("vm", "start", vm.UUID, "--wait", "--wait-timeout", "1ns")
	if r.code != ctl.ExitWaitTimeout || !strings.Contains(r.stderr, "abrakctl action get") {
		t.Errorf("a wait that runs out: exit %d, stderr %q", r.code, r.stderr)
	}
	for _, shell := range []string{"bash", "zsh", "fish"} {
		if out := c.ok("completion", shell).stdout; !strings.Contains(out, "abrakctl") {
			t.Errorf("completion %s: %.200q", shell, out)
		}
	}

	// The rest of a VM's life: the start that --wait gave up on followed to its
	// end with action get --wait, then rebooted, reset and destroyed.
	starts := decode[[]client.Action](t, c.ok("action", "list", "--type", "start", "-o", "json"))
	if len(starts) != 1 {
		t.Fatalf("start actions: %+v", starts)
	}
	if a := decode[client.Action](t, c.ok("action", "get", fmtID(starts[0].ID), "--wait", "-o", "json")); a.Status != "completed" {
		t.Errorf("action get --wait: %+v", a)
	}
	testkit.WaitFor(t, time.Minute, "the VM runs", func() bool {
		return decode[client.VM](t, c.ok("vm", "get", vm.UUID, "-o", "json")).Status == "running"
	})
	for _, power := range []string{"reboot", "reset"} {
		if a := decode[client.Action](t, c.ok("vm", power, vm.UUID, "--wait", "-o", "json")); a.Type != power || a.Status != "completed" {
			t.Errorf("vm %s --wait: %+v", power, a)
		}
	}
	if gone := decode[map[string]any](t, c.ok("vm", "delete", vm.UUID, "--purge", "-o", "json")); gone["purged"] != true {
		t.Errorf("vm delete --purge -o json: %v", gone)
	}

	// The config file's contexts, when the environment names no panel.
	delete(c.env, "ABRAK_URL")
	delete(c.env, "ABRAK_TOKEN")
	if r := c.run("account"); r.code != ctl.ExitUsage {
		t.Errorf("no panel anywhere: exit %d", r.code)
	}
	c.ok("context", "set", "prod", "--url", a.URL, "--token", tok)
	c.ok("context", "set", "broken", "--url", "http://127.0.0.1:1", "--token", "ic_pat_x")
	if acc := decode[client.Account](t, c.ok("account", "-o", "json")); acc.Email != "cli@example.com" {
		t.Errorf("account from the first context: %+v", acc)
	}
	c.ok("context", "use", "broken")
	if r := c.run("account"); r.code != ctl.ExitUnreachable {
		t.Errorf("an unreachable panel: exit %d (%s)", r.code, r.stderr)
	}
	c.ok("--context", "prod", "account")
	if r := c.run("context", "use", "nope"); r.code != ctl.ExitUsage {
		t.Errorf("an unknown context: exit %d", r.code)
	}
	if l := c.ok("context", "list").stdout; !strings.Contains(l, "broken") || !strings.Contains(l, "prod") {
		t.Errorf("context list:\n%s", l)
	}
}

func fmtID(id int64) string { return strconv.FormatInt(id, 10) }

func faDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return '۰' + r - '0'
		}
		return r
	}, s)
}

// Ctrl-C (the run's context ended) is exit 130, as shells count it.
func TestCLIInterruptedIs130(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	env := map[string]string{"ABRAK_URL": "http://127.0.0.1:1", "ABRAK_TOKEN": "ic_pat_x"}
	code := ctl.Main([]string{"account"}, ctl.Env{Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }, Context: ctx})
	if code != ctl.ExitInterrupted {
		t.Errorf("exit %d, want %d (%s)", code, ctl.ExitInterrupted, errb.String())
	}
}
