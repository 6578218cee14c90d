package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
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
