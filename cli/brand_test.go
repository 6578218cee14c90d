package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"abrak/testkit"
)

// `abrak admin brand` changes the brand as the settings page would (an
// admin's, checked the same way) and the panel shows it.
func TestCLIBrand(t *testing.T) {
	a := testkit.NewApp(t)
	u := a.CreateUser(t, "root@example.com", testkit.Password)
	if _, err := a.DB.W.Exec(`UPDATE users SET is_admin = 1 WHERE id = ?`, u.ID); err != nil {
		t.Fatal(err)
	}
	a.CreateUser(t, "ana@example.com", testkit.Password)
	ctx := context.Background()
	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := adminBrand(ctx, append([]string{"--db", a.DB.Path}, args...), &out)
		return out.String(), err
	}
	if _, err := run("--as", "ana@example.com", "--name-en", "Ana Cloud"); err == nil {
		t.Error("a customer changed the brand")
	}
	if _, err := run("--as", "root@example.com", "--accent", "#fde047"); err == nil || !strings.Contains(err.Error(), "--accent") {
		t.Errorf("a too-light accent: %v, want it refused naming --accent", err)
	}
	if _, err := run("--as", "root@example.com", "--name-en", "CLI Cloud", "--logo", "testdata/brand-logo.svg", "--powered-by=false"); err != nil {
		t.Fatal(err)
	}
	out, err := run("--json")
	var got map[string]any
	if err != nil || json.Unmarshal([]byte(out), &got) != nil || got["name_en"] != "CLI Cloud" || got["logo"] != "image/svg+xml" || got["powered_by"] != false {
		t.Errorf("admin brand --json: %s %v", out, err)
	}
}
