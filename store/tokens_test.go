package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"abrak/store"
)

func TestAPITokenLifecycle(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	ana := addUser(t, db, "ana@example.com")
	bob := addUser(t, db, "bob@example.com")

	exp := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Second)
	tok, err := db.CreateAPIToken(ctx, store.APIToken{UserID: ana.ID, Name: "ci", Prefix: "abc123", Hash: "h1",
		Scopes: []string{"vm:read", "account:read"}, ExpiresAt: exp})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateAPIToken(ctx, store.APIToken{UserID: bob.ID, Name: "dup", Prefix: "x", Hash: "h1", Scopes: []string{"vm:read"}}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a second token with the same hash: err %v, want ErrConflict", err)
	}

	o, err := db.APITokenByHash(ctx, "h1")
	if err != nil {
		t.Fatal(err)
	}
	if o.Email != "ana@example.com" || o.Token.ID != tok.ID || !slices.Equal(o.Token.Scopes, []string{"vm:read", "account:read"}) ||
		!o.Token.ExpiresAt.Equal(exp) || !o.Token.LastUsedAt.IsZero() || !o.Token.RevokedAt.IsZero() {
		t.Fatalf("by hash = %+v", o)
	}
	if _, err := db.APITokenByHash(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown hash: err %v, want ErrNotFound", err)
	}

	used := time.Now().UTC().Truncate(time.Second)
	if err := db.TouchAPIToken(ctx, tok.ID, used, "203.0.113.9"); err != nil {
		t.Fatal(err)
	}
	list, err := db.APITokens(ctx, ana.ID)
	if err != nil || len(list) != 1 || !list[0].LastUsedAt.Equal(used) || list[0].LastUsedIP != "203.0.113.9" {
		t.Fatalf("list after use = %+v, %v", list, err)
	}
	if n, _ := db.CountActiveAPITokens(ctx, ana.ID, time.Now()); n != 1 {
		t.Fatalf("active tokens = %d, want 1", n)
	}
	if n, _ := db.CountActiveAPITokens(ctx, ana.ID, exp.Add(time.Second)); n != 0 {
		t.Fatalf("active tokens after expiry = %d, want 0", n)
	}

	if _, err := db.RevokeAPIToken(ctx, bob.ID, 0, tok.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("bob revoking ana's token: err %v, want ErrNotFound", err)
	}
	r, err := db.RevokeAPIToken(ctx, ana.ID, 0, tok.ID)
	if err != nil || r.Name != "ci" {
		t.Fatalf("revoke = %+v, %v", r, err)
	}
	if _, err := db.RevokeAPIToken(ctx, ana.ID, 0, tok.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("revoking twice: err %v, want ErrNotFound", err)
	}
	if list, _ := db.APITokens(ctx, ana.ID); len(list) != 0 {
		t.Fatalf("revoked tokens are listed: %+v", list)
	}
	if o, _ := db.APITokenByHash(ctx, "h1"); o.Token.RevokedAt.IsZero() {
		t.Fatal("lookup by hash does not show the revocation")
	}
}

func TestSSHKeys(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	ana := addUser(t, db, "ana@example.com")
	bob := addUser(t, db, "bob@example.com")

	k1, err := db.AddSSHKey(ctx, store.SSHKey{UserID: ana.ID, Name: "laptop", PublicKey: "ssh-ed25519 AAAA1", Fingerprint: "SHA256:one"})
	if err != nil {
		t.Fatal(err)
	}
	k2, err := db.AddSSHKey(ctx, store.SSHKey{UserID: ana.ID, Name: "desk", PublicKey: "ssh-ed25519 AAAA2", Fingerprint: "SHA256:two"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddSSHKey(ctx, store.SSHKey{UserID: ana.ID, Name: "again", PublicKey: "ssh-ed25519 AAAA1", Fingerprint: "SHA256:one"}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("same fingerprint twice: err %v, want ErrConflict", err)
	}
	// Another customer may hold the same public key.
	kb, err := db.AddSSHKey(ctx, store.SSHKey{UserID: bob.ID, Name: "shared", PublicKey: "ssh-ed25519 AAAA1", Fingerprint: "SHA256:one"})
	if err != nil {
		t.Fatal(err)
	}

	got, err := db.SSHKeysByID(ctx, ana.ID, []int64{k2.ID, k1.ID, kb.ID})
	if err != nil || len(got) != 2 || got[0].ID != k1.ID || got[1].ID != k2.ID {
		t.Fatalf("by id = %+v, %v; want ana's two keys only", got, err)
	}
	if n, _ := db.CountSSHKeys(ctx, ana.ID); n != 2 {
		t.Fatalf("count = %d, want 2", n)
	}
	if _, err := db.DeleteSSHKey(ctx, ana.ID, kb.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleting bob's key as ana: err %v, want ErrNotFound", err)
	}
	if d, err := db.DeleteSSHKey(ctx, ana.ID, k1.ID); err != nil || d.Name != "laptop" {
		t.Fatalf("delete = %+v, %v", d, err)
	}
	list, err := db.SSHKeys(ctx, ana.ID)
	if err != nil || len(list) != 1 || list[0].ID != k2.ID {
		t.Fatalf("list after delete = %+v, %v", list, err)
	}
}
