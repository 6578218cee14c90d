package web_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"abrak/services"
	"abrak/testkit"
	"abrak/views/i18n"
)

// newEd25519Line is a fresh public key as one authorized_keys line, and its fingerprint.
func newEd25519Line(t testing.TB, comment string) (string, string) {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pk))) + " " + comment, ssh.FingerprintSHA256(pk)
}

func TestSSHKeysDashboard(t *testing.T) {
	a := testkit.NewApp(t)
	a.CreateUser(t, "ana@example.com", testkit.Password)
	a.CreateUser(t, "bob@example.com", testkit.Password)
	c := a.Client(t)
	c.SignIn("ana@example.com", testkit.Password)
	r := c.Get("/ssh-keys")
	testkit.MustStatus(t, "ssh keys page", r, http.StatusOK)
	if !testkit.Contains(r.Body, i18n.T(i18n.FA, "sshkeys.empty")) {
		t.Fatalf("the empty page lacks its message\n%s", testkit.Trim(r.Body))
	}

	line, fp := newEd25519Line(t, "ana@laptop")
	r = c.Post("/ssh-keys", testkit.Form("name", "لپ‌تاپ", "public_key", line))
	if r.Status != http.StatusSeeOther || r.Location() != "/ssh-keys" {
		t.Fatalf("add: %d → %q\n%s", r.Status, r.Location(), testkit.Trim(r.Body))
	}
	r = c.Get("/ssh-keys")
	if !testkit.Contains(r.Body, fp) || !testkit.Contains(r.Body, "لپ‌تاپ") || !testkit.Contains(r.Body, i18n.T(i18n.FA, "sshkeys.added")) {
		t.Fatalf("the list lacks the new key, its fingerprint or the message\n%s", testkit.Trim(r.Body))
	}

	rsaKey, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	weak, _ := ssh.NewPublicKey(&rsaKey.PublicKey)
	bobLine, _ := newEd25519Line(t, "bob")
	bobKey, err := a.SSHKeys.Add(context.Background(), a.PrincipalOf(t, "bob@example.com"), "bob's", bobLine)
	if err != nil {
		t.Fatal(err)
	}
	refusals := []struct {
		name, keyName, key, field, msgKey string
	}{
		{"not a key", "x", "hello world", "public_key", "sshkeys.error_invalid"},
		{"weak RSA", "old", string(ssh.MarshalAuthorizedKey(weak)), "public_key", "sshkeys.error_key_type"},
		{"duplicate", "again", line, "public_key", "sshkeys.error_duplicate"},
		{"empty key", "x", "", "public_key", "form.required"},
		{"empty name", "", bobLine, "name", "form.required"},
	}
	for _, tt := range refusals {
		r := c.Post("/ssh-keys", testkit.Form("name", tt.keyName, "public_key", tt.key))
		testkit.MustStatus(t, tt.name, r, http.StatusUnprocessableEntity)
		if got := testkit.FieldErrors(r.Body)[tt.field]; got != i18n.T(i18n.FA, tt.msgKey) {
			t.Errorf("%s: field %s says %q, want %q", tt.name, tt.field, got, i18n.T(i18n.FA, tt.msgKey))
		}
	}
	if n := a.Count(t, `SELECT count(*) FROM ssh_keys WHERE user_id = ?`, a.User(t, "ana@example.com").ID); n != 1 {
		t.Fatalf("ana has %d keys after the refusals, want 1", n)
	}

	r = c.Post("/ssh-keys/"+strconv.FormatInt(bobKey.ID, 10)+"/delete", nil)
	testkit.MustStatus(t, "deleting bob's key as ana", r, http.StatusNotFound)
	if n := a.Count(t, `SELECT count(*) FROM ssh_keys WHERE id = ?`, bobKey.ID); n != 1 {
		t.Fatal("bob's key was deleted by ana")
	}
	_, err = a.SSHKeys.PublicKeys(context.Background(), a.PrincipalOf(t, "ana@example.com"), []int64{bobKey.ID})
	if e := services.AsError(err); err == nil || e.Status != http.StatusUnprocessableEntity || e.Fields["ssh_key_ids"] == "" {
		t.Fatalf("PublicKeys with bob's id for ana: %v, want 422 naming ssh_key_ids", err)
	}

	anaKey := a.Count(t, `SELECT id FROM ssh_keys WHERE user_id = ?`, a.User(t, "ana@example.com").ID)
	r = c.Post("/ssh-keys/"+strconv.Itoa(anaKey)+"/delete", nil)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("delete own key: %d", r.Status)
	}
	if r = c.Get("/ssh-keys"); testkit.Contains(r.Body, fp) || !testkit.Contains(r.Body, i18n.T(i18n.FA, "sshkeys.deleted")) {
		t.Fatal("the deleted key is still listed, or no message says it is gone")
	}
}

func TestSSHKeysAPI(t *testing.T) {
	a := testkit.NewApp(t)
	a.CreateUser(t, "ana@example.com", testkit.Password)
	a.CreateUser(t, "bob@example.com", testkit.Password)
	rw, _ := a.MintToken(t, "ana@example.com", "vm:write", "account:read")
	ro, _ := a.MintToken(t, "ana@example.com", "account:read")
	bobs, _ := a.MintToken(t, "bob@example.com", "vm:write", "account:read")
	line, fp := newEd25519Line(t, "ci@runner")
	body, _ := json.Marshal(map[string]string{"name": "ci", "public_key": line})

	r := a.APICall(t, http.MethodPost, "/api/v1/ssh-keys", ro, string(body), "Accept-Language", "en")
	testkit.MustStatus(t, "create without vm:write", r, http.StatusForbidden)
	if e := testkit.APIErrorOf(t, r); !strings.Contains(e.Error.Message, "vm:write") {
		t.Errorf("the 403 does not name vm:write: %q", e.Error.Message)
	}

	r = a.APICall(t, http.MethodPost, "/api/v1/ssh-keys", rw, string(body))
	testkit.MustStatus(t, "create", r, http.StatusCreated)
	var created struct {
		Key struct {
			ID          int64  `json:"id"`
			Name        string `json:"name"`
			Fingerprint string `json:"fingerprint"`
			PublicKey   string `json:"public_key"`
			CreatedAt   string `json:"created_at"`
		} `json:"ssh_key"`
	}
	if err := json.Unmarshal([]byte(r.Body), &created); err != nil {
		t.Fatal(err)
	}
	k := created.Key
	if _, err := time.Parse(time.RFC3339, k.CreatedAt); err != nil || k.ID == 0 || k.Name != "ci" || k.Fingerprint != fp || k.PublicKey != line {
		t.Fatalf("created %+v", k)
	}
	if loc := r.Header.Get("Location"); loc != "/api/v1/ssh-keys/"+strconv.FormatInt(k.ID, 10) {
		t.Errorf("Location %q", loc)
	}

	r = a.APICall(t, http.MethodPost, "/api/v1/ssh-keys", rw, string(body), "Accept-Language", "en")
	testkit.MustStatus(t, "duplicate", r, http.StatusUnprocessableEntity)
	if e := testkit.APIErrorOf(t, r); e.Error.Code != "validation" || e.Error.Fields["public_key"] != i18n.T(i18n.EN, "sshkeys.error_duplicate") {
		t.Errorf("duplicate: %+v", e)
	}
	r = a.APICall(t, http.MethodPost, "/api/v1/ssh-keys", rw, `{"name":"","public_key":"ssh-rsa AAAA"}`)
	testkit.MustStatus(t, "invalid", r, http.StatusUnprocessableEntity)
	if e := testkit.APIErrorOf(t, r); e.Error.Fields["name"] == "" || e.Error.Fields["public_key"] != i18n.T(i18n.FA, "sshkeys.error_invalid") {
		t.Errorf("invalid: fields %v", e.Error.Fields)
	}
	testkit.MustStatus(t, "malformed JSON", a.APICall(t, http.MethodPost, "/api/v1/ssh-keys", rw, `{"name":`), http.StatusBadRequest)

	r = a.APICall(t, http.MethodGet, "/api/v1/ssh-keys", ro, "")
	testkit.MustStatus(t, "list", r, http.StatusOK)
	var list struct {
		Keys []struct {
			ID          int64  `json:"id"`
			Fingerprint string `json:"fingerprint"`
		} `json:"ssh_keys"`
	}
	if err := json.Unmarshal([]byte(r.Body), &list); err != nil || len(list.Keys) != 1 || list.Keys[0].Fingerprint != fp {
		t.Fatalf("list %s (%v)", r.Body, err)
	}
	r = a.APICall(t, http.MethodGet, "/api/v1/ssh-keys", bobs, "")
	if r.Status != http.StatusOK || !strings.Contains(r.Body, `"ssh_keys":[]`) {
		t.Fatalf("bob's list: %d %s, want an empty list", r.Status, r.Body)
	}

	path := "/api/v1/ssh-keys/" + strconv.FormatInt(k.ID, 10)
	testkit.RunAPIScenarios(t, a, []testkit.APIScenario{
		{Name: "get", URL: path, Token: ro, ExpectedStatus: http.StatusOK},
		{Name: "bob gets ana's key", URL: path, Token: bobs, ExpectedStatus: http.StatusNotFound},
		{Name: "bob deletes ana's key", Method: http.MethodDelete, URL: path, Token: bobs, ExpectedStatus: http.StatusNotFound},
		{Name: "delete without vm:write", Method: http.MethodDelete, URL: path, Token: ro, ExpectedStatus: http.StatusForbidden},
		{Name: "delete", Method: http.MethodDelete, URL: path, Token: rw, ExpectedStatus: http.StatusNoContent, After: func(t *testing.T, r testkit.Response) {
			if r.Body != "" {
				t.Errorf("delete: body %q, want none", r.Body)
			}
		}},
		{Name: "delete again", Method: http.MethodDelete, URL: path, Token: rw, ExpectedStatus: http.StatusNotFound},
	})
	if n := a.Count(t, `SELECT count(*) FROM audit_events WHERE action IN ('ssh_key.added', 'ssh_key.deleted') AND via = 'token:test token'`); n != 2 {
		t.Errorf("%d audit events through the token for add and delete, want 2", n)
	}
}
