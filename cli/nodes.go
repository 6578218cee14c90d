package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"abrak/hypervisor"
	"abrak/services"
	"abrak/store"
)

func adminAddNode(ctx context.Context, args []string, out io.Writer) error {
	var c config
	var n store.Node
	fs := flag.NewFlagSet("admin add-node", flag.ExitOnError)
	commonFlags(fs, &c)
	fs.StringVar(&n.Name, "name", "", "node name (required; an existing name is updated)")
	fs.StringVar(&n.Region, "region", "", "region slug (required; must exist, see seed-demo)")
	fs.StringVar(&n.URI, "uri", "", "libvirt URI, e.g. qemu+tcp://host/system or qemu+unix:///system?socket=/path (required)")
	fs.StringVar(&n.VNCHost, "vnc-host", "", "address the panel reaches the node's VNC ports at (default 127.0.0.1)")
	fs.IntVar(&n.VCPUs, "vcpus", 0, "vCPUs offered to customers (0: unlimited)")
	fs.IntVar(&n.MemoryMB, "memory-mb", 0, "memory offered, MB (0: unlimited)")
	fs.IntVar(&n.DiskGB, "disk-gb", 0, "disk offered, GB (0: unlimited)")
	virt := fs.String("virt-type", "", "accelerator: auto (a probe guest decides at every connect), kvm or qemu (software emulation); default auto, or the node's present choice")
	fs.StringVar(&n.Bridge, "bridge", "", "the host bridge guests join, on the provider's public network (see README, \"A node's network\"); empty: user-mode networking, which nobody can reach")
	fs.StringVar(&n.VNCSocketDir, "vnc-socket-dir", "", "for a node on the panel's own host: a folder both share, where guests' VNC servers listen as UNIX sockets (empty: TCP at --vnc-host)")
	parse(fs, args)
	if n.Name == "" || n.Region == "" || n.URI == "" {
		return errors.New("add-node: --name, --region and --uri are required")
	}
	if *virt != "" {
		m, err := hypervisor.ParseVirtMode(*virt)
		if err != nil {
			return fmt.Errorf("add-node: %w", err)
		}
		n.VirtType = string(m)
	}
	n.Enabled = true
	db, err := store.Open(ctx, c.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Region(ctx, n.Region); err != nil {
		return fmt.Errorf("add-node: region %q: %w", n.Region, err)
	}
	n, err = db.UpsertNode(ctx, n)
	if err != nil {
		return err
	}
	bridge := n.Bridge
	if bridge == "" {
		bridge = "none (user-mode networking)"
	}
	fmt.Fprintf(out, "node %d %s in %s at %s, virt type %s, bridge %s\n", n.ID, n.Name, n.Region, n.URI, n.VirtType, bridge)
	return nil
}

// adminSetNode changes an existing node's settings; the running panel picks the
// change up at its next reconcile pass (within 15 s) and reconnects the node.
func adminSetNode(ctx context.Context, args []string, out io.Writer) error {
	var c config
	fs := flag.NewFlagSet("admin set-node", flag.ExitOnError)
	commonFlags(fs, &c)
	name := fs.String("name", "", "node name (required)")
	virt := fs.String("virt-type", "", "accelerator: auto, kvm or qemu (required)")
	parse(fs, args)
	if *name == "" || *virt == "" {
		return errors.New("set-node: --name and --virt-type are required")
	}
	m, err := hypervisor.ParseVirtMode(*virt)
	if err != nil {
		return fmt.Errorf("set-node: %w", err)
	}
	db, err := store.Open(ctx, c.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.SetNodeVirtType(ctx, *name, string(m)); errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("set-node: no node %q", *name)
	} else if err != nil {
		return err
	}
	fmt.Fprintf(out, "node %s: virt type %s (a running panel reconnects it within 15 s)\n", *name, m)
	return nil
}

// adminNodes prints one line per node: what the running panel last recorded of it.
func adminNodes(ctx context.Context, args []string, out io.Writer) error {
	var c config
	fs := flag.NewFlagSet("admin nodes", flag.ExitOnError)
	commonFlags(fs, &c)
	parse(fs, args)
	db, err := store.Open(ctx, c.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	nodes, err := db.AllNodes(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tREGION\tURI\tSTATE\tVIRT\tWHY")
	for _, n := range nodes {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", n.Name, n.Region, n.URI, nodeState(n), nodeVirt(n), nodeWhy(n))
	}
	return tw.Flush()
}

func nodeState(n store.Node) string {
	switch {
	case !n.Enabled:
		return "disabled"
	case n.SeenAt.IsZero():
		return "unknown (no panel has run since it was added)"
	}
	state, _, _ := strings.Cut(n.ConnState, ":")
	return fmt.Sprintf("%s (%s ago)", state, time.Since(n.SeenAt).Round(time.Second))
}

func nodeVirt(n store.Node) string {
	if n.VirtChosen == "" {
		return n.VirtType + " (not decided yet)"
	}
	if n.VirtType == string(hypervisor.VirtAuto) {
		return n.VirtChosen + " (auto)"
	}
	return n.VirtChosen
}

func nodeWhy(n store.Node) string {
	why := n.VirtReason
	if _, down, ok := strings.Cut(n.ConnState, ": "); ok {
		why = strings.TrimSpace(why + "; down: " + down)
	}
	return why
}

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

func adminSeedDemo(ctx context.Context, args []string, out io.Writer) error {
	var c config
	var uri, templateDir, bridge, vncDir string
	fs := flag.NewFlagSet("admin seed-demo", flag.ExitOnError)
	commonFlags(fs, &c)
	fs.StringVar(&uri, "node-uri", defaultNodeURI(), "libvirt URI of the demo node")
	fs.StringVar(&templateDir, "template-dir", ".cache/template", "folder holding the tiny OS template (template.env) built by make template")
	fs.StringVar(&bridge, "bridge", "br0", "the bridge the demo node's guests join (make libvirt-up makes br0 in its namespace); empty: user-mode networking")
	fs.StringVar(&vncDir, "vnc-socket-dir", defaultVNCDir(), "where the demo node's guests' VNC sockets are (empty: TCP at 127.0.0.1)")
	parse(fs, args)
	db, err := store.Open(ctx, c.DB)
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
	node, err := db.UpsertNode(ctx, store.Node{Name: "local-1", Region: demoRegion.Slug, URI: uri, VNCHost: "127.0.0.1",
		VCPUs: 32, MemoryMB: 32 * 1024, DiskGB: 500, Enabled: true, Bridge: bridge, VNCSocketDir: vncDir})
	if err != nil {
		return err
	}
	tmpl, err := importTinyTemplate(ctx, node, templateDir)
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

	fleet := hypervisor.NewFleet(newLogger("text", io.Discard), hypervisor.Options{})
	defer fleet.Close()
	// An upload needs no accelerator: qemu spares this short connection the probe.
	cfg := services.NodeConfig(n)
	cfg.VirtType = hypervisor.VirtQEMU
	fleet.SetNodes([]hypervisor.NodeConfig{cfg})
	var node *hypervisor.Node
	deadline := time.Now().Add(30 * time.Second)
	for {
		node, err = fleet.Node(n.ID)
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		return store.OSTemplate{}, fmt.Errorf("seed-demo: node %s: %w", n.URI, err)
	}
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
