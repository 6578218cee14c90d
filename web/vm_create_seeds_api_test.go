package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"abrak/testkit"
)

// A script written for a seed orders a VM with that seed's own create example,
// changed only in its base URL, token and ids (region, image, plan and key ids
// become this panel's). The world has no hypervisor, so Abrak's answer to a
// kept order is 503 with the new VM's Location; a refused order would be a 422.
func seedOrder(t *testing.T, w *vmWorld, body string) (testkit.Response, string) {
	t.Helper()
	r := w.a.APICall(t, http.MethodPost, "/api/v1/vms", w.ana.token, body)
	if r.Status != http.StatusAccepted && r.Status != http.StatusServiceUnavailable {
		t.Fatalf("order: %d %s", r.Status, testkit.Trim(r.Body))
	}
	uuid, ok := strings.CutPrefix(r.Header.Get("Location"), "/api/v1/vms/")
	if !ok || uuid == "" {
		t.Fatalf("order: Location %q", r.Header.Get("Location"))
	}
	return r, uuid
}

func addKey(t *testing.T, w *vmWorld) (int64, string) {
	t.Helper()
	_, pub := testkit.SSHKeyPair(t)
	b, _ := json.Marshal(map[string]string{"name": "laptop", "public_key": pub})
	r := w.a.APICall(t, http.MethodPost, "/api/v1/ssh-keys", w.ana.token, string(b))
	testkit.MustStatus(t, "add key", r, http.StatusCreated)
	var k struct {
		SSHKey struct {
			ID          int64  `json:"id"`
			Fingerprint string `json:"fingerprint"`
		} `json:"ssh_key"`
	}
	if err := json.Unmarshal([]byte(r.Body), &k); err != nil || k.SSHKey.ID == 0 {
		t.Fatalf("key: %v %s", err, r.Body)
	}
	return k.SSHKey.ID, k.SSHKey.Fingerprint
}

func TestSeed000CreateExampleIsAccepted(t *testing.T) {
	w := newVMWorld(t)
	_, uuid := seedOrder(t, w, `{"plan_slug":"starter","os_template_slug":"debian-12","auth_mode":"password","custom_password":"StrongPass123!"}`)
	if vm := vmRow(t, w.a, uuid); vm.PlanSlug != "starter" || vm.OSTemplateSlug != "debian-12" {
		t.Errorf("ordered %s on %s", vm.OSTemplateSlug, vm.PlanSlug)
	}
}

// Seed 001's example: memory 1 GB, 1 vCPU, a 10 GB disk pick the smallest
// plan holding them; its name is the display name and the hostname; the key
// is named by its fingerprint; private_networking false and ipv6 false are
// what Abrak does anyway.
func TestSeed001CreateExampleIsAccepted(t *testing.T) {
	w := newVMWorld(t)
	_, fp := addKey(t, w)
	body := `{
  "name": "example.com",
  "region": "thr-1",
  "size": 1,
  "disk_size": 10,
  "cpu": 1,
  "image": "debian-12",
  "ssh_keys": ["` + fp + `"],
  "backups": false,
  "ipv6": false,
  "user_data": null,
  "private_networking": false
}`
	_, uuid := seedOrder(t, w, body)
	vm := vmRow(t, w.a, uuid)
	if vm.PlanSlug != "starter" || vm.OSTemplateSlug != "debian-12" || vm.DisplayName != "example.com" || vm.Hostname != "example.com" ||
		vm.Region != "thr-1" || len(vm.SSHKeys) != 1 || vm.BackupsEnabled {
		t.Errorf("ordered %+v", vm)
	}
	// A size only the bigger plan holds orders it; PLAN_ID_STD is the hourly billing Abrak has.
	_, uuid = seedOrder(t, w, `{"name":"big","region":"thr-1","size":2,"cpu":1,"disk_size":10,"image":"debian-12","plan":"PLAN_ID_STD","ssh_keys":["`+fp+`"]}`)
	if vm := vmRow(t, w.a, uuid); vm.PlanSlug != "pro" {
		t.Errorf("2 GB ordered %s, want pro", vm.PlanSlug)
	}
}

// Seed 004's example, with its ids made this panel's slugs and its location.
func TestSeed004CreateExampleIsAccepted(t *testing.T) {
	w := newVMWorld(t)
	id, _ := addKey(t, w)
	body := `{
    "name": "web-server-02",
    "plan_id": "starter",
    "os_id": "debian-12",
    "location": "thr-1",
    "hostname": "web02.example.com",
    "ssh_key_id": ` + jsonInt(id) + `,
    "backups_enabled": true
  }`
	_, uuid := seedOrder(t, w, body)
	vm := vmRow(t, w.a, uuid)
	if vm.PlanSlug != "starter" || vm.DisplayName != "web-server-02" || vm.Hostname != "web02.example.com" || !vm.BackupsEnabled || len(vm.SSHKeys) != 1 {
		t.Errorf("ordered %+v", vm)
	}
}

// What the seeds ask for and Abrak cannot give is refused by name, never
// ignored; a field nobody knows still lists the accepted ones.
func TestSeedCreateRefusesWhatAbrakCannotHonour(t *testing.T) {
	w := newVMWorld(t)
	keyID, _ := addKey(t, w)
	key := `"ssh_keys":[` + jsonInt(keyID) + `]`
	for _, c := range []struct {
		name, body, field, says string
	}{
		{"private networking asked", `{"name":"x","image":"debian-12","plan_slug":"starter",` + key + `,"private_networking":true}`, "private_networking", "private_networking"},
		{"fixed tariff", `{"name":"x","image":"debian-12","plan_slug":"starter",` + key + `,"plan":"PLAN_ID_FIX"}`, "plan", "PLAN_ID_STD"},
		{"no plan holds the size", `{"name":"x","image":"debian-12","size":64,"cpu":1,` + key + `}`, "size", "pro"},
		{"location and region differ", `{"name":"x","image":"debian-12","plan_slug":"starter","region":"thr-1","location":"elsewhere",` + key + `}`, "location", ""},
		{"unknown field", `{"name":"x","image":"debian-12","plan_slug":"starter",` + key + `,"flavour":"vanilla"}`, "flavour", "disk_size"},
		{"unknown key fingerprint", `{"name":"x","image":"debian-12","plan_slug":"starter","ssh_keys":["SHA256:nope"]}`, "ssh_keys", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := w.a.APICall(t, http.MethodPost, "/api/v1/vms", w.ana.token, c.body)
			testkit.MustStatus(t, c.name, r, http.StatusUnprocessableEntity)
			e := testkit.APIErrorOf(t, r)
			if _, ok := e.Error.Fields[c.field]; !ok {
				t.Errorf("fields %v do not name %s", e.Error.Fields, c.field)
			}
			if c.says != "" && !strings.Contains(r.Body, c.says) {
				t.Errorf("answer does not say %q: %s", c.says, testkit.Trim(r.Body))
			}
		})
	}
}

func jsonInt(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
