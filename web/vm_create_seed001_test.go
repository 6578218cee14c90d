package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"abrak/store"
	"abrak/testkit"
)

// Seed 001's create, exactly as the seed writes it (its request body, and its
// cURL example's shorter one): only the base URL and the token change. The
// panel's catalog has the seed's region and image, as an operator naming
// them so would. It names no way in (ssh_keys null, no password): the panel
// makes a root password and shows it once, in this answer (here the 503 of
// an order that waits for a hypervisor); only its crypt is kept.
func TestSeed001OwnCreateExampleIsAcceptedAsWritten(t *testing.T) {
	w := newVMWorld(t)
	ctx := context.Background()
	if err := w.a.DB.UpsertRegion(ctx, store.Region{Slug: "moscow_01", NameFA: "مسکو ۱", NameEN: "Moscow 1", IPNetwork: "10.30.0.0/24", Gateway: "10.30.0.1"}); err != nil {
		t.Fatal(err)
	}
	if err := w.a.DB.UpsertOSTemplate(ctx, store.OSTemplate{Slug: "fedora-19", Name: "Fedora 19", Volume: "fedora-19.qcow2", MinDiskGB: 2, Active: true}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, body string }{
		{"the request body", `{
  "name": "example.com",
  "region": "moscow_01",
  "size": 1,
  "disk_size": 10,
  "cpu": 1,
  "image": "fedora-19",
  "ssh_keys": null,
  "backups": false,
  "ipv6": false,
  "user_data": null,
  "private_networking": false
}`},
		{"the cURL example", `{"name":"example.com","region":"moscow_01","size":1,"image":"fedora-19","ssh_keys":null,"backups":false,"ipv6":false,"user_data":null,"private_networking":null}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, uuid := seedOrder(t, w, c.body)
			var answer struct {
				RootPassword string `json:"root_password"`
			}
			if err := json.Unmarshal([]byte(r.Body), &answer); err != nil || len(answer.RootPassword) < 12 {
				t.Fatalf("the answer shows no root password: %v %s", err, testkit.Trim(r.Body))
			}
			vm := vmRow(t, w.a, uuid)
			if vm.PlanSlug != "starter" || vm.OSTemplateSlug != "fedora-19" || vm.Region != "moscow_01" || vm.DisplayName != "example.com" ||
				vm.Hostname != "example.com" || vm.BackupsEnabled || len(vm.SSHKeys) != 0 {
				t.Errorf("ordered %+v", vm)
			}
			if vm.RootCrypt == "" || strings.Contains(vm.RootCrypt, answer.RootPassword) {
				t.Errorf("root crypt %q for the password shown", vm.RootCrypt)
			}
			// Shown once: the VM's own answer does not carry it.
			got := w.a.APICall(t, http.MethodGet, "/api/v1/vms/"+uuid, w.ana.token, "")
			if strings.Contains(got.Body, answer.RootPassword) {
				t.Error("the VM's answer shows the root password again")
			}
		})
	}
	// Abrak's own order without a way in is still refused naming auth_mode.
	r := w.a.APICall(t, http.MethodPost, "/api/v1/vms", w.ana.token, `{"plan_slug":"starter","os_template_slug":"debian-12"}`)
	testkit.MustStatus(t, "an order in Abrak's names with no way in", r, http.StatusUnprocessableEntity)
	if _, ok := testkit.APIErrorOf(t, r).Error.Fields["auth_mode"]; !ok {
		t.Errorf("refusal does not name auth_mode: %s", testkit.Trim(r.Body))
	}
}
