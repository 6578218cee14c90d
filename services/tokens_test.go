package services

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"abrak/store"
)

func tokensFixture(t *testing.T) (*store.DB, *Tokens, *SSHKeys, Principal, Principal) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "abrak.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	audit := NewAudit(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	var ps []Principal
	for _, email := range []string{"ana@example.com", "bob@example.com"} {
		u, err := db.CreateUser(ctx, store.User{Email: email, Name: email, PasswordHash: "x"})
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, Principal{UserID: u.ID, Email: u.Email, IP: "198.51.100.7"})
	}
	return db, NewTokens(db, audit, nil), NewSSHKeys(db, audit), ps[0], ps[1]
}

// wantError fails unless err is a service error with status and, when field
// is not empty, a message for that field.
func wantTokenErr(t *testing.T, err error, status int, field string) *Error {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %d", status)
	}
	e := AsError(err)
	if e.Status != status {
		t.Fatalf("status %d (%v), want %d", e.Status, err, status)
	}
	if field != "" && e.Fields[field] == "" {
		t.Fatalf("fields %v, want a message for %q", e.Fields, field)
	}
	return e
}

func TestCreateTokenRefusesBadInput(t *testing.T) {
	_, tokens, _, ana, _ := tokensFixture(t)
	viaToken := ana
	viaToken.TokenID, viaToken.TokenName, viaToken.Scopes = 7, "ci", AllScopes
	tests := []struct {
		name    string
		p       Principal
		tname   string
		scopes  []string
		expires time.Duration
		status  int
		field   string
	}{
		{"empty name", ana, "  ", []string{ScopeVMRead}, 0, 422, "name"},
		{"name over 64 characters", ana, strings.Repeat("ن", 65), []string{ScopeVMRead}, 0, 422, "name"},
		{"no scope", ana, "ci", nil, 0, 422, "scopes"},
		{"unknown scope", ana, "ci", []string{ScopeVMRead, "vm:everything"}, 0, 422, "scopes"},
		{"expiry too short", ana, "ci", []string{ScopeVMRead}, time.Minute, 422, "expires"},
		{"negative expiry", ana, "ci", []string{ScopeVMRead}, -1, 422, "expires"},
		{"a token minting a token", viaToken, "child", []string{ScopeVMRead}, 0, 403, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := tokens.Create(context.Background(), tt.p, tt.tname, tt.scopes, tt.expires)
			wantTokenErr(t, err, tt.status, tt.field)
		})
	}
}

var secretShape = regexp.MustCompile(`^ic_pat_[0-9A-Za-z]{43}$`)

func TestTokenCreateAuthenticateRevoke(t *testing.T) {
	ctx := context.Background()
	db, tokens, _, ana, bob := tokensFixture(t)
	secret, tok, err := tokens.Create(ctx, ana, " deploy bot ", []string{ScopeAccount, ScopeVMRead, ScopeVMRead}, 30*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !secretShape.MatchString(secret) {
		t.Fatalf("secret %q is not ic_pat_ and 43 base62 characters", secret)
	}
	sum := sha256.Sum256([]byte(secret))
	stored, err := db.APITokenByHash(ctx, hex.EncodeToString(sum[:]))
	if err != nil || stored.Token.ID != tok.ID || stored.Token.Hash == secret || !strings.HasPrefix(secret, TokenPrefix+tok.Prefix) {
		t.Fatalf("the stored token %+v (%v) does not fit the secret", stored.Token, err)
	}
	if tok.Name != "deploy bot" || strings.Join(tok.Scopes, " ") != "vm:read account:read" {
		t.Fatalf("token = %+v, want trimmed name and scopes deduplicated in form order", tok)
	}
	for _, f := range []string{db.Path, db.Path + "-wal"} {
		b, err := os.ReadFile(f)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if strings.Contains(string(b), secret[len(TokenPrefix):]) {
			t.Fatalf("the secret itself is written in %s", filepath.Base(f))
		}
	}
	events, _, _ := db.AuditEvents(ctx, store.AuditFilter{UserID: ana.UserID, Limit: 10})
	if len(events) != 1 || events[0].Action != "token.created" || events[0].Severity != SeveritySecurity {
		t.Fatalf("audit = %+v, want one security event token.created", events)
	}

	p, err := tokens.Authenticate(ctx, secret, "203.0.113.5")
	if err != nil {
		t.Fatal(err)
	}
	if p.UserID != ana.UserID || p.TokenID != tok.ID || p.Via() != "token:deploy bot" || p.IP != "203.0.113.5" {
		t.Fatalf("principal = %+v", p)
	}
	if p.Require(ScopeVMRead) != nil || p.Require(ScopeAccount) != nil {
		t.Fatal("the token lacks a scope it was given")
	}
	e := wantTokenErr(t, p.Require(ScopeVMDelete), http.StatusForbidden, "")
	if strings.Join(e.Args, "=") != "scope="+ScopeVMDelete {
		t.Fatalf("missing scope error args %v, want it named", e.Args)
	}
	if _, _, err := tokens.Create(ctx, p, "child", []string{ScopeVMRead}, 0); err == nil {
		t.Fatal("a token principal minted a token")
	}

	wantTokenErr(t, tokens.Revoke(ctx, bob, tok.ID), http.StatusNotFound, "")
	if _, err := tokens.Authenticate(ctx, secret, "203.0.113.5"); err != nil {
		t.Fatalf("bob's failed revoke broke ana's token: %v", err)
	}
	if err := tokens.Revoke(ctx, ana, tok.ID); err != nil {
		t.Fatal(err)
	}
	wantTokenErr(t, tokens.Revoke(ctx, ana, tok.ID), http.StatusNotFound, "")
	list, err := tokens.List(ctx, ana)
	if err != nil || len(list) != 0 {
		t.Fatalf("list after revoke = %+v, %v", list, err)
	}

	tests := []struct{ name, secret string }{
		{"revoked", secret},
		{"unknown", TokenPrefix + strings.Repeat("A", 43)},
		{"malformed", "ic_pat_short"},
		{"other scheme", "ghp_" + strings.Repeat("A", 36)},
		{"empty", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tokens.Authenticate(ctx, tt.secret, "203.0.113.5")
			if e := wantTokenErr(t, err, http.StatusUnauthorized, ""); e.Key != "error.token_invalid" {
				t.Fatalf("key %q, want the one message for every bad token", e.Key)
			}
		})
	}
}

func TestTokenExpiryAndLastUseThrottle(t *testing.T) {
	ctx := context.Background()
	db, tokens, _, ana, _ := tokensFixture(t)
	clock := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tokens.now = func() time.Time { return clock }
	secret, tok, err := tokens.Create(ctx, ana, "short", []string{ScopeVMRead}, 2*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	lastUsed := func() (time.Time, string) {
		list, err := db.APITokens(ctx, ana.UserID)
		if err != nil || len(list) != 1 {
			t.Fatalf("list = %+v, %v", list, err)
		}
		return list[0].LastUsedAt, list[0].LastUsedIP
	}
	use := func(ip string) error {
		_, err := tokens.Authenticate(ctx, secret, ip)
		return err
	}

	if err := use("192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	if at, ip := lastUsed(); !at.Equal(clock) || ip != "192.0.2.1" {
		t.Fatalf("first use recorded as %v from %q", at, ip)
	}
	clock = clock.Add(30 * time.Second)
	if err := use("192.0.2.2"); err != nil {
		t.Fatal(err)
	}
	if at, ip := lastUsed(); !at.Equal(clock.Add(-30*time.Second)) || ip != "192.0.2.1" {
		t.Fatalf("a use 30 s later was written (%v from %q); writes are at most once a minute", at, ip)
	}
	clock = clock.Add(31 * time.Second)
	if err := use("192.0.2.3"); err != nil {
		t.Fatal(err)
	}
	if at, ip := lastUsed(); !at.Equal(clock) || ip != "192.0.2.3" {
		t.Fatalf("a use a minute later was not written: %v from %q", at, ip)
	}

	clock = tok.ExpiresAt.Add(-time.Second)
	if err := use("192.0.2.3"); err != nil {
		t.Fatalf("a second before expiry: %v", err)
	}
	clock = tok.ExpiresAt
	wantTokenErr(t, use("192.0.2.3"), http.StatusUnauthorized, "")
	list, _ := tokens.List(ctx, ana)
	if len(list) != 1 || !list[0].Expired {
		t.Fatal("an expired token must still be listed, marked expired")
	}
}

func authorizedKeyLine(t *testing.T, pub any, comment string) string {
	t.Helper()
	pk, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pk))) + " " + comment
}

func TestParseSSHKey(t *testing.T) {
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rsa2048, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	ed := authorizedKeyLine(t, edPub, "ana@laptop")
	tests := []struct {
		name, line, problem string
	}{
		{"ed25519", "  " + ed + "\n", ""},
		{"ecdsa p256", authorizedKeyLine(t, &ecKey.PublicKey, "ec"), ""},
		{"rsa 2048", authorizedKeyLine(t, &rsa2048.PublicKey, "rsa"), ""},
		{"rsa 1024", authorizedKeyLine(t, &rsa1024.PublicKey, "weak"), "sshkeys.error_key_type"},
		{"empty", "   ", "form.required"},
		{"garbage", "ssh-ed25519 not-base64!!", "sshkeys.error_invalid"},
		{"a private key", "-----BEGIN OPENSSH PRIVATE KEY-----", "sshkeys.error_invalid"},
		{"with options", `command="/bin/true" ` + ed, "sshkeys.error_options"},
		{"two keys", ed + "\n" + authorizedKeyLine(t, &ecKey.PublicKey, "ec"), "sshkeys.error_one_key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line, fp, problem := ParseSSHKey(tt.line)
			if problem != tt.problem {
				t.Fatalf("problem %q, want %q", problem, tt.problem)
			}
			if problem == "" && (!strings.HasPrefix(fp, "SHA256:") || strings.ContainsAny(line, "\n") || line != strings.TrimSpace(tt.line)) {
				t.Fatalf("normalised %q fingerprint %q", line, fp)
			}
		})
	}
}

func TestSSHKeysOwnership(t *testing.T) {
	ctx := context.Background()
	_, _, keys, ana, bob := tokensFixture(t)
	pub1, _, _ := ed25519.GenerateKey(rand.Reader)
	pub2, _, _ := ed25519.GenerateKey(rand.Reader)
	k1, err := keys.Add(ctx, ana, "laptop", authorizedKeyLine(t, pub1, "a"))
	if err != nil {
		t.Fatal(err)
	}
	k2, err := keys.Add(ctx, ana, "desk", authorizedKeyLine(t, pub2, "b"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = keys.Add(ctx, ana, "again", authorizedKeyLine(t, pub1, "other comment"))
	if e := wantTokenErr(t, err, 422, "public_key"); e.Fields["public_key"] != "sshkeys.error_duplicate" {
		t.Fatalf("duplicate: %v", e.Fields)
	}
	kb, err := keys.Add(ctx, bob, "bob's", authorizedKeyLine(t, pub1, "same key, other customer"))
	if err != nil {
		t.Fatalf("another customer adding the same key: %v", err)
	}

	got, err := keys.keys(ctx, ana, []int64{k2.ID, k1.ID, k2.ID})
	if err != nil || len(got) != 2 || got[0].ID != k2.ID || got[1].ID != k1.ID {
		t.Fatalf("Keys = %+v, %v; want k2, k1 in the order asked", got, err)
	}
	lines, err := keys.PublicKeys(ctx, ana, []int64{k1.ID})
	if err != nil || len(lines) != 1 || lines[0] != k1.PublicKey {
		t.Fatalf("PublicKeys = %q, %v", lines, err)
	}
	for name, ids := range map[string][]int64{"another customer's": {k1.ID, kb.ID}, "unknown": {k1.ID, 999999}, "none": nil} {
		t.Run(name, func(t *testing.T) {
			_, err := keys.keys(ctx, ana, ids)
			wantTokenErr(t, err, 422, "ssh_key_ids")
		})
	}

	wantTokenErr(t, keys.Delete(ctx, ana, kb.ID), http.StatusNotFound, "")
	readOnly := ana
	readOnly.TokenID, readOnly.Scopes = 1, []string{ScopeAccount}
	wantTokenErr(t, keys.Delete(ctx, readOnly, k1.ID), http.StatusForbidden, "")
	if err := keys.Delete(ctx, ana, k1.ID); err != nil {
		t.Fatal(err)
	}
	list, err := keys.List(ctx, readOnly)
	if err != nil || len(list) != 1 || list[0].ID != k2.ID {
		t.Fatalf("list = %+v, %v", list, err)
	}
}
