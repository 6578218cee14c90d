package cli

import (
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"abrak/hypervisor/localvirt"
	"abrak/services"
	"abrak/store"
	"abrak/testkit"
)

// TestCLICreateToken runs the real binary against the running app's database.
func TestCLICreateToken(t *testing.T) {
	a := testkit.NewApp(t)
	a.CreateUser(t, "ana@example.com", testkit.Password)
	bin := filepath.Join(t.TempDir(), "abrak")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = localvirt.RepoRoot()
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	cmd := exec.Command(bin, "admin", "create-token", "--db", a.DB.Path, "--email", "Ana@Example.com", "--scopes", "vm:read,account:read,wallet:write", "--name", "ci", "--expires", "720h")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("create-token: %v\n%s", err, stderr.String())
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) != 1 || !testkit.TokenSecretRe.MatchString(lines[0]) || len(lines[0]) != len("ic_pat_")+43 {
		t.Fatalf("stdout %q, want exactly one line with the token", out)
	}
	r := a.APICall(t, http.MethodGet, "/api/v1/account", lines[0], "")
	testkit.MustStatus(t, "the CLI's token", r, http.StatusOK)
	// wallet:write was granted: the top-up is refused for want of a gateway, not of the scope.
	testkit.MustStatus(t, "the CLI's token starting a top-up", a.APICall(t, http.MethodPost, "/api/v1/billing/topups", lines[0], `{"amount": 250000}`), http.StatusServiceUnavailable)
	if n := a.Count(t, `SELECT count(*) FROM api_tokens WHERE name = 'ci' AND expires_at - created_at = 720*3600`); n != 1 {
		t.Errorf("no token named ci expiring in 720h")
	}

	for name, args := range map[string][]string{
		"unknown scope":  {"--email", "ana@example.com", "--scopes", "vm:read,root"},
		"unknown user":   {"--email", "nobody@example.com", "--scopes", "vm:read"},
		"no scopes":      {"--email", "ana@example.com"},
		"customer admin": {"--email", "ana@example.com", "--scopes", "admin"},
	} {
		cmd := exec.Command(bin, append([]string{"admin", "create-token", "--db", a.DB.Path}, args...)...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err == nil || len(out) != 0 || stderr.Len() == 0 {
			t.Errorf("%s: err %v, stdout %q, stderr %q; want a failure explained on stderr only", name, err, out, stderr.String())
		}
	}

	// Support's token opens the operators' door with support's rights: it
	// reads the customers, and may not change the support limits.
	a.CreateUser(t, "sara@example.com", testkit.Password)
	if _, err := a.Staff.SetRole(t.Context(), services.OperatorOnMachine(), "sara@example.com", store.StaffSupport); err != nil {
		t.Fatal(err)
	}
	out, err = exec.Command(bin, "admin", "create-token", "--db", a.DB.Path, "--email", "sara@example.com", "--scopes", "admin").Output()
	if err != nil {
		t.Fatalf("support's create-token: %v", err)
	}
	support := strings.TrimSpace(string(out))
	testkit.MustStatus(t, "support's token reads the customers", a.APICall(t, http.MethodGet, "/api/v1/admin/customers", support, ""), http.StatusOK)
	testkit.MustStatus(t, "support's token changes the limits", a.APICall(t, http.MethodPatch, "/api/v1/admin/support-limits", support, `{"per_act_toman":1}`), http.StatusForbidden)
}
