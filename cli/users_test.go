package cli

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"abrak/store"
)

// The operator's CLI vouches for the addresses it makes accounts for: the
// demo's demo@abrak.local is made though sign-up refuses .local.
func TestTheOperatorMakesTheDemoAccountAtALocalName(t *testing.T) {
	path := filepath.Join(t.TempDir(), "abrak.db")
	var out bytes.Buffer
	err := adminCreateUser(context.Background(), []string{"--db", path, "--email", "demo@abrak.local", "--password", "demo-password-1405"}, &out)
	if err != nil || !strings.Contains(out.String(), "<demo@abrak.local>") {
		t.Fatalf("admin create-user demo@abrak.local: %v (%q)", err, out.String())
	}
}

// An operator's staff is made and changed from the command line: --admin and
// --support on create-user, then set-role EMAIL admin|support|none; an
// unknown role is refused naming the roles.
func TestTheOperatorGivesStaffRolesFromTheCommandLine(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "abrak.db")
	run := func(f func(context.Context, []string, io.Writer) error, args ...string) (string, error) {
		var out bytes.Buffer
		err := f(ctx, append([]string{"--db", path}, args...), &out)
		return out.String(), err
	}
	if _, err := run(adminCreateUser, "--email", "ops@example.com", "--password", "long-password-1405", "--admin"); err != nil {
		t.Fatal(err)
	}
	if _, err := run(adminCreateUser, "--email", "sara@example.com", "--password", "long-password-1405", "--support"); err != nil {
		t.Fatal(err)
	}
	roleOf := func(email string) string {
		db, err := store.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		u, err := db.UserByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		return u.StaffRole
	}
	if r := roleOf("ops@example.com"); r != "admin" {
		t.Errorf("--admin made %q", r)
	}
	if r := roleOf("sara@example.com"); r != "support" {
		t.Errorf("--support made %q", r)
	}
	if out, err := run(adminSetRole, "sara@example.com", "admin"); err != nil || !strings.Contains(out, "now admin") {
		t.Errorf("set-role admin: %v %q", err, out)
	}
	if _, err := run(adminSetRole, "sara@example.com", "none"); err != nil || roleOf("sara@example.com") != "" {
		t.Errorf("set-role none: %v, role %q", err, roleOf("sara@example.com"))
	}
	if _, err := run(adminSetRole, "sara@example.com", "root"); err == nil || !strings.Contains(err.Error(), "admin, support or none") {
		t.Errorf("set-role root: %v", err)
	}
}
