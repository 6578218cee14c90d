package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"abrak/hypervisor"
	"abrak/services"
	"abrak/store"
)

// adminDemoVM gives the demo customer a VM to SSH into: their key (added once)
// and one live VM named demo, ordered as the customer would. The order is only
// recorded here; the panel's provisioner builds it when `abrak serve` runs.
// Prints the VM's IPv4 address as its last line.
func adminDemoVM(ctx context.Context, args []string, out io.Writer) error {
	var c config
	fs := flag.NewFlagSet("admin demo-vm", flag.ExitOnError)
	commonFlags(fs, &c)
	email := fs.String("email", "", "the demo customer (required)")
	keyFile := fs.String("ssh-key", "", "public key file to log in with (required)")
	parse(fs, args)
	if *email == "" || *keyFile == "" {
		return errors.New("demo-vm: --email and --ssh-key are required")
	}
	pub, err := os.ReadFile(*keyFile)
	if err != nil {
		return fmt.Errorf("demo-vm: %w", err)
	}
	db, err := store.Open(ctx, c.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := db.UserByEmail(ctx, strings.ToLower(*email))
	if err != nil {
		return fmt.Errorf("demo-vm: user %q: %w", *email, err)
	}
	p := services.Principal{UserID: u.ID, Email: u.Email, IsAdmin: u.IsAdmin}
	log := newLogger(c.LogFormat, io.Discard)
	audit := services.NewAudit(db, log)
	keys := services.NewSSHKeys(db, audit)
	keyID, err := demoKey(ctx, keys, p, string(pub))
	if err != nil {
		return explainInEnglish(err)
	}
	// No nodes: the order is placed by the serving panel, which owns the fleet.
	fleet := hypervisor.NewFleet(log, hypervisor.Options{})
	defer fleet.Close()
	vms, _ := services.NewVMs(db, fleet, audit, keys, log, services.VMConfig{})
	defer vms.Close()
	list, _, err := vms.List(ctx, p, services.ListInput{Q: "demo", Limit: services.MaxListLimit})
	if err != nil {
		return explainInEnglish(err)
	}
	for _, v := range list {
		if v.Live() && v.Hostname == "demo" && v.PublicIP != "" {
			fmt.Fprintf(out, "demo VM %s (%s) exists\n%s\n", v.UUID, v.Status, v.PublicIP)
			return nil
		}
	}
	o, err := vms.Create(ctx, p, services.CreateVMInput{PlanSlug: demoPlans[0].Slug, OSTemplateSlug: "tiny-linux", AuthMode: "ssh_key",
		SSHKeyIDs: []int64{keyID}, Hostname: "demo", DisplayName: "demo", Region: demoRegion.Slug})
	if err != nil {
		return explainInEnglish(err)
	}
	if o.VM.PublicIP == "" {
		return fmt.Errorf("demo-vm: ordered %s, but the region has no free address (abrak admin pools)", o.VM.UUID)
	}
	fmt.Fprintf(out, "demo VM %s ordered; the panel builds it when it starts\n%s\n", o.VM.UUID, o.VM.PublicIP)
	return nil
}

// demoKey is the id of the customer's key with that public key, added if missing.
func demoKey(ctx context.Context, keys *services.SSHKeys, p services.Principal, pub string) (int64, error) {
	_, fp, problem := services.ParseSSHKey(pub)
	if problem != "" {
		return 0, fmt.Errorf("demo-vm: the key file holds no usable public key (%s)", problem)
	}
	have, err := keys.List(ctx, p)
	if err != nil {
		return 0, err
	}
	for _, k := range have {
		if k.Fingerprint == fp {
			return k.ID, nil
		}
	}
	k, err := keys.Add(ctx, p, "demo key", pub)
	return k.ID, err
}
