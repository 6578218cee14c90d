package cli

import (
	"abrak/hypervisor"
	"abrak/services"
	"abrak/store"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// demo catalog: prices in rials per hour.
var (
	demoRegion = store.Region{Slug: "thr-1", NameFA: "تهران ۱", NameEN: "Tehran 1"}
	// demoPools match the bridge `make libvirt-up` makes in its network namespace
	// (scripts/libvirt/up.sh): documentation ranges, routed nowhere.
	demoPools = []store.Pool{
		{Region: "thr-1", Network: "198.51.100.0/24", Gateway: "198.51.100.1", First: "198.51.100.10", Last: "198.51.100.250",
			Resolvers: []string{"198.51.100.1"}},
		{Region: "thr-1", Network: "2001:db8:ab::/64", Gateway: "2001:db8:ab::1"},
	}
	demoPlans = []store.Plan{
		{Slug: "starter", NameFA: "آغاز", NameEN: "Starter", VCPUs: 1, MemoryMB: 512, DiskGB: 10, PriceHourlyRials: 4_000, Sort: 1, Active: true},
		{Slug: "standard", NameFA: "استاندارد", NameEN: "Standard", VCPUs: 2, MemoryMB: 1024, DiskGB: 20, PriceHourlyRials: 8_000, Sort: 2, Active: true},
		{Slug: "pro", NameFA: "حرفه‌ای", NameEN: "Pro", VCPUs: 4, MemoryMB: 2048, DiskGB: 40, PriceHourlyRials: 16_000, Sort: 3, Active: true},
	}
)

// defaultNodeURI is the local libvirtd that `make libvirt-up` starts.
func defaultNodeURI() string {
	abs, _ := filepath.Abs(".run/libvirt/run/libvirt-sock")
	return "qemu+unix:///system?socket=" + abs
}

// adminSeedDemo makes the demo's world: a region and its pools, plans, the
// local node and the tiny template on it. Run again, it brings them up to date.
func adminSeedDemo(ctx context.Context, args []string, out io.Writer) error {
	cmd := newCommand("admin seed-demo")
	uri := cmd.String("node-uri", defaultNodeURI(), "libvirt URI of the demo node")
	templateDir := cmd.String("template-dir", ".cache/template", "folder holding the tiny OS template (template.env) built by make template")
	bridge := cmd.String("bridge", "br0", "the bridge the demo node's guests join (make libvirt-up makes br0 in its namespace); empty: user-mode networking")
	vncDir := cmd.String("vnc-socket-dir", defaultVNCDir(), "where the demo node's guests' VNC sockets are (empty: TCP at 127.0.0.1)")
	db, err := cmd.open(ctx, args, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.UpsertRegion(ctx, demoRegion); err != nil {
		return err
	}
	var networks []string
	for _, p := range demoPools {
		if _, err := db.AddPool(ctx, p); err != nil {
			return fmt.Errorf("seed-demo: pool %s: %w", p.Network, err)
		}
		networks = append(networks, p.Network)
	}
	// An older demo's network is not on the bridge: drop its pool unless VMs hold
	// (or held) addresses of it.
	if stale, err := db.PrunePools(ctx, demoRegion.Slug, networks); err != nil {
		return err
	} else if len(stale) > 0 {
		fmt.Fprintf(out, "seed-demo: region %s keeps pools %v, which VMs have addresses of\n", demoRegion.Slug, stale)
	}
	for _, p := range demoPlans {
		if err := db.UpsertPlan(ctx, p); err != nil {
			return err
		}
	}
	node, err := db.UpsertNode(ctx, store.Node{Name: "local-1", Region: demoRegion.Slug, URI: *uri, VNCHost: "127.0.0.1",
		VCPUs: 32, MemoryMB: 32 * 1024, DiskGB: 500, Enabled: true, Bridge: *bridge, VNCSocketDir: *vncDir})
	if err != nil {
		return err
	}
	tmpl, err := importTinyTemplate(ctx, node, *templateDir)
	if err != nil {
		return err
	}
	if err := db.UpsertOSTemplate(ctx, tmpl); err != nil {
		return err
	}
	fmt.Fprintf(out, "demo ready: region %s, %d plans, template %s (volume %s), node %s at %s, bridge %s, pools %s and %s\n",
		demoRegion.Slug, len(demoPlans), tmpl.Slug, tmpl.Volume, node.Name, node.URI, node.Bridge, demoPools[0].Network, demoPools[1].Network)
	return nil
}

// defaultVNCDir is where `make libvirt-up`'s guests keep their VNC sockets.
func defaultVNCDir() string {
	abs, _ := filepath.Abs(".run/libvirt/vnc")
	return abs
}

// importTinyTemplate uploads the tiny template into the node's pool under a
// name carrying its content hash, so a rebuilt template is a new volume and
// VMs built from the old one keep their base.
func importTinyTemplate(ctx context.Context, n store.Node, dir string) (store.OSTemplate, error) {
	env, err := readEnvFile(filepath.Join(dir, "template.env"))
	if err != nil {
		return store.OSTemplate{}, fmt.Errorf("seed-demo: %w (run `make template` first)", err)
	}
	path := filepath.Join(dir, env["FILE"])
	f, err := os.Open(path)
	if err != nil {
		return store.OSTemplate{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return store.OSTemplate{}, err
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return store.OSTemplate{}, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return store.OSTemplate{}, err
	}
	volume := "tiny-linux-" + hex.EncodeToString(h.Sum(nil))[:12] + "." + env["FORMAT"]

	fleet, node, err := dialNode(n)
	if err != nil {
		return store.OSTemplate{}, fmt.Errorf("seed-demo: node %s: %w", n.URI, err)
	}
	defer fleet.Close()
	if err := node.ImportTemplate(ctx, volume, f, st.Size(), env["FORMAT"]); err != nil {
		return store.OSTemplate{}, err
	}
	return store.OSTemplate{Slug: "tiny-linux", Name: "Tiny Linux (BusyBox, kernel " + env["KERNEL_VERSION"] + ")",
		Volume: volume, MinDiskGB: 1, Sort: 1, Active: true}, nil
}

// readEnvFile reads KEY=VALUE lines, skipping comments.
func readEnvFile(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok {
			out[k] = strings.Trim(v, `"'`)
		}
	}
	return out, nil
}

// adminDemoVM gives the demo customer a VM to SSH into: their key (added once)
// and one live VM named demo, ordered as the customer would. The order is only
// recorded here; the panel's provisioner builds it when `abrak serve` runs.
// Prints the VM's IPv4 address as its last line.
func adminDemoVM(ctx context.Context, args []string, out io.Writer) error {
	cmd := newCommand("admin demo-vm")
	email := cmd.String("email", "", "the demo customer (required)")
	keyFile := cmd.String("ssh-key", "", "public key file to log in with (required)")
	var pub []byte
	db, err := cmd.open(ctx, args, func() (err error) {
		if *email == "" || *keyFile == "" {
			return errors.New("demo-vm: --email and --ssh-key are required")
		}
		if pub, err = os.ReadFile(*keyFile); err != nil {
			return fmt.Errorf("demo-vm: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := db.UserByEmail(ctx, strings.ToLower(*email))
	if err != nil {
		return fmt.Errorf("demo-vm: user %q: %w", *email, err)
	}
	p := services.Principal{UserID: u.ID, Email: u.Email, IsAdmin: u.IsAdmin}
	log := newLogger(cmd.LogFormat, io.Discard)
	audit := services.NewAudit(db, log)
	keys := services.NewSSHKeys(db, audit)
	keyID, err := demoKey(ctx, keys, p, string(pub))
	if err != nil {
		return explain(err)
	}
	// No nodes: the order is placed by the serving panel, which owns the fleet.
	fleet := hypervisor.NewFleet(log, hypervisor.Options{})
	defer fleet.Close()
	vms, _ := services.NewVMs(db, fleet, audit, keys, nil, nil, log, services.VMConfig{})
	defer vms.Close()
	list, _, err := vms.List(ctx, p, services.ListInput{Q: "demo", Limit: services.MaxListLimit})
	if err != nil {
		return explain(err)
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
		return explain(err)
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
