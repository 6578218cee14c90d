package services_test

// The letters the services send about VMs, through the panel's mail queue to a
// real SMTP server.

import (
	"context"
	"strings"
	"testing"
	"time"

	"abrak/services"
	"abrak/testkit"
)

// A VM that has booted is announced by mail with its addresses and how to connect.
func TestANewVMIsAnnouncedByMail(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ms := testkit.NewMailServer(t)
	a := testkit.NewTestDriverPanel(t, testkit.WithMail(ms))
	u := a.CreateUser(t, "sara@example.com", testkit.Password)
	_, err := a.DB.W.Exec(`UPDATE users SET email_verified_at = unixepoch(), locale = 'en', balance_rials = 100000 WHERE id = ?`, u.ID)
	must(t, err)
	o, err := a.VMs.Create(ctx, services.Principal{UserID: u.ID, Email: u.Email}, services.CreateVMInput{PlanSlug: "tiny", OSTemplateSlug: "tiny",
		AuthMode: "password", CustomPassword: "StrongPass123!", DisplayName: "web-1", Region: "thr-t"})
	must(t, err)
	m := ms.Await(t, u.Email, "Your server web-1 is ready")
	vm, err := a.DB.VMByUUID(ctx, o.VM.UUID)
	must(t, err)
	if vm.PublicIP == "" || !strings.Contains(m.Text, "ssh root@"+vm.PublicIP) || !strings.Contains(m.HTML, vm.PublicIP) ||
		!strings.Contains(m.Text, a.URL+"/vms/"+vm.UUID) {
		t.Errorf("the letter lacks the address %q, the command to connect or the VM's page\n%s", vm.PublicIP, m.Text)
	}
}
