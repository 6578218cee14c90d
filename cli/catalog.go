package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"abrak/services"
)

// The operator's plans and regions from the command line: the same services
// as the /admin Plans and Regions pages, as the operator at the machine
// (audited "cli"); a table for people, --json for scripts.

// hoursPerMonth prices a month as the pages and the API do.
const hoursPerMonth = 730

type cliPlan struct {
	Slug         string `json:"slug"`
	NameFA       string `json:"name_fa"`
	NameEN       string `json:"name_en"`
	VCPUs        int    `json:"vcpus"`
	MemoryMB     int    `json:"memory_mb"`
	DiskGB       int    `json:"disk_gb"`
	TrafficGB    int    `json:"traffic_gb"`
	PriceHourly  int64  `json:"price_hourly_rials"`
	PriceMonthly int64  `json:"price_monthly_rials"`
	Active       bool   `json:"active"`
	VMs          int    `json:"vms"`
}

func planOut(p services.StaffPlan) cliPlan {
	return cliPlan{Slug: p.Slug, NameFA: p.NameFA, NameEN: p.NameEN, VCPUs: p.VCPUs, MemoryMB: p.MemoryMB, DiskGB: p.DiskGB,
		TrafficGB: p.TrafficGB, PriceHourly: p.PriceHourlyRials, PriceMonthly: p.PriceHourlyRials * hoursPerMonth, Active: p.Active, VMs: p.VMs}
}

func printPlans(out io.Writer, asJSON bool, plans []cliPlan) error {
	if asJSON {
		return json.NewEncoder(out).Encode(map[string]any{"plans": plans})
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SLUG\tNAME-EN\tNAME-FA\tVCPUS\tMEMORY-MB\tDISK-GB\tTRAFFIC-GB\tRIALS/HOUR\tRIALS/MONTH\tSTATE\tVMS")
	for _, p := range plans {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%d\n", p.Slug, p.NameEN, p.NameFA, p.VCPUs, p.MemoryMB, p.DiskGB,
			p.TrafficGB, p.PriceHourly, p.PriceMonthly, activeWord(p.Active), p.VMs)
	}
	return tw.Flush()
}

func activeWord(active bool) string {
	if active {
		return "enabled"
	}
	return "disabled"
}

// adminPlans lists every plan, disabled ones too, with the VMs on each.
func adminPlans(ctx context.Context, args []string, out io.Writer) error {
	cmd := newStaffCommand("admin plans")
	if err := cmd.start(ctx, args, nil); err != nil {
		return err
	}
	defer cmd.db.Close()
	plans, err := cmd.staff.Plans(ctx, services.OperatorOnMachine())
	if err != nil {
		return fmt.Errorf("plans: %w", explain(err))
	}
	rows := make([]cliPlan, 0, len(plans))
	for _, p := range plans {
		rows = append(rows, planOut(p))
	}
	return printPlans(out, *cmd.asJSON, rows)
}

// adminAddPlan adds a plan, offered to new orders at once.
func adminAddPlan(ctx context.Context, args []string, out io.Writer) error {
	cmd := newStaffCommand("admin add-plan")
	var in services.PlanInput
	cmd.StringVar(&in.Slug, "slug", "", "the plan's slug (required)")
	cmd.StringVar(&in.NameFA, "name-fa", "", "its name in Persian (required)")
	cmd.StringVar(&in.NameEN, "name-en", "", "its name in English (required)")
	cmd.IntVar(&in.VCPUs, "vcpus", 0, "virtual CPUs (required)")
	cmd.IntVar(&in.MemoryMB, "memory-mb", 0, "memory in MB (required)")
	cmd.IntVar(&in.DiskGB, "disk-gb", 0, "disk in GB (required)")
	cmd.IntVar(&in.TrafficGB, "traffic-gb", 0, "monthly traffic in GB (0: unmetered)")
	cmd.Int64Var(&in.PriceHourlyRials, "price-hourly-rials", 0, "the price per hour in rials, whole toman (a multiple of 10)")
	if err := cmd.start(ctx, args, func() error {
		if in.Slug == "" {
			return errors.New("add-plan: --slug is required")
		}
		return nil
	}); err != nil {
		return err
	}
	defer cmd.db.Close()
	p, err := cmd.staff.CreatePlan(ctx, services.OperatorOnMachine(), in)
	if err != nil {
		return fmt.Errorf("add-plan: %w", explain(err))
	}
	return printPlans(out, *cmd.asJSON, []cliPlan{planOut(p)})
}

// adminSetPlan renames, reprices, disables or enables a plan; what is not
// given stays.
func adminSetPlan(ctx context.Context, args []string, out io.Writer) error {
	cmd := newStaffCommand("admin set-plan")
	slug := cmd.String("slug", "", "the plan's slug (required)")
	nameFA := cmd.String("name-fa", "", "a new name in Persian")
	nameEN := cmd.String("name-en", "", "a new name in English")
	price := cmd.Int64("price-hourly-rials", -1, "a new price per hour in rials (its VMs pay it from their next hour)")
	disabled := cmd.Bool("disabled", false, "offer it to no new order (its VMs keep it)")
	enabled := cmd.Bool("enabled", false, "offer it again")
	set := map[string]bool{}
	if err := cmd.start(ctx, args, func() error {
		cmd.Visit(func(f *flag.Flag) { set[f.Name] = true })
		if *slug == "" {
			return errors.New("set-plan: --slug is required")
		}
		if *disabled && *enabled {
			return errors.New("set-plan: --disabled or --enabled, not both")
		}
		if !set["name-fa"] && !set["name-en"] && !set["price-hourly-rials"] && !*disabled && !*enabled {
			return errors.New("set-plan: nothing to change: --name-fa, --name-en, --price-hourly-rials, --disabled or --enabled")
		}
		return nil
	}); err != nil {
		return err
	}
	defer cmd.db.Close()
	op := services.OperatorOnMachine()
	p, err := cmd.staff.Plan(ctx, op, *slug)
	if err != nil {
		return fmt.Errorf("set-plan: %w", explain(err))
	}
	if set["name-fa"] || set["name-en"] || set["price-hourly-rials"] {
		in := services.PlanInput{NameFA: p.NameFA, NameEN: p.NameEN, PriceHourlyRials: p.PriceHourlyRials}
		if set["name-fa"] {
			in.NameFA = *nameFA
		}
		if set["name-en"] {
			in.NameEN = *nameEN
		}
		if set["price-hourly-rials"] {
			in.PriceHourlyRials = *price
		}
		if p, err = cmd.staff.EditPlan(ctx, op, p.Slug, in); err != nil {
			return fmt.Errorf("set-plan: %w", explain(err))
		}
	}
	if *disabled || *enabled {
		if p, err = cmd.staff.SetPlanActive(ctx, op, p.Slug, *enabled); err != nil {
			return fmt.Errorf("set-plan: %w", explain(err))
		}
	}
	return printPlans(out, *cmd.asJSON, []cliPlan{planOut(p)})
}

type cliRegion struct {
	Slug     string `json:"slug"`
	NameFA   string `json:"name_fa"`
	NameEN   string `json:"name_en"`
	Network  string `json:"network,omitempty"`
	Gateway  string `json:"gateway,omitempty"`
	Disabled bool   `json:"disabled"`
	Nodes    int    `json:"nodes"`
	VMs      int    `json:"vms"`
}

func regionOut(r services.StaffRegion) cliRegion {
	return cliRegion{Slug: r.Slug, NameFA: r.NameFA, NameEN: r.NameEN, Network: r.IPNetwork, Gateway: r.Gateway,
		Disabled: r.Disabled, Nodes: r.Nodes, VMs: r.VMs}
}

func printRegions(out io.Writer, asJSON bool, regions []cliRegion) error {
	if asJSON {
		return json.NewEncoder(out).Encode(map[string]any{"regions": regions})
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SLUG\tNAME-EN\tNAME-FA\tNETWORK\tGATEWAY\tSTATE\tNODES\tVMS")
	for _, r := range regions {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\n", r.Slug, r.NameEN, r.NameFA, r.Network, r.Gateway,
			activeWord(!r.Disabled), r.Nodes, r.VMs)
	}
	return tw.Flush()
}

// adminRegions lists every region, disabled ones too, with its nodes and VMs.
func adminRegions(ctx context.Context, args []string, out io.Writer) error {
	cmd := newStaffCommand("admin regions")
	if err := cmd.start(ctx, args, nil); err != nil {
		return err
	}
	defer cmd.db.Close()
	regions, err := cmd.staff.Regions(ctx, services.OperatorOnMachine())
	if err != nil {
		return fmt.Errorf("regions: %w", explain(err))
	}
	rows := make([]cliRegion, 0, len(regions))
	for _, r := range regions {
		rows = append(rows, regionOut(r))
	}
	return printRegions(out, *cmd.asJSON, rows)
}

// adminAddRegion adds a region; a --network (IPv4, with its --gateway)
// becomes its first address pool.
func adminAddRegion(ctx context.Context, args []string, out io.Writer) error {
	cmd := newStaffCommand("admin add-region")
	var in services.RegionInput
	cmd.StringVar(&in.Slug, "slug", "", "the region's slug (required)")
	cmd.StringVar(&in.NameFA, "name-fa", "", "its name in Persian (required)")
	cmd.StringVar(&in.NameEN, "name-en", "", "its name in English (required)")
	cmd.StringVar(&in.Network, "network", "", "an IPv4 network, CIDR: its first address pool")
	cmd.StringVar(&in.Gateway, "gateway", "", "the guests' gateway inside --network")
	if err := cmd.start(ctx, args, func() error {
		if in.Slug == "" {
			return errors.New("add-region: --slug is required")
		}
		return nil
	}); err != nil {
		return err
	}
	defer cmd.db.Close()
	r, err := cmd.staff.CreateRegion(ctx, services.OperatorOnMachine(), in)
	if err != nil {
		return fmt.Errorf("add-region: %w", explain(err))
	}
	return printRegions(out, *cmd.asJSON, []cliRegion{regionOut(r)})
}

// adminSetRegion disables a region (offered to no new order; its VMs stay)
// or enables it again, and renames it (--name-fa, --name-en).
func adminSetRegion(ctx context.Context, args []string, out io.Writer) error {
	cmd := newStaffCommand("admin set-region")
	slug := cmd.String("slug", "", "the region's slug (required)")
	disabled := cmd.Bool("disabled", false, "offer it to no new order (its VMs stay and keep working)")
	enabled := cmd.Bool("enabled", false, "offer it again")
	nameFA := cmd.String("name-fa", "", "its new name in Persian (the English one stays unless --name-en is given)")
	nameEN := cmd.String("name-en", "", "its new name in English (the Persian one stays unless --name-fa is given)")
	renamed := map[string]bool{}
	if err := cmd.start(ctx, args, func() error {
		cmd.Visit(func(f *flag.Flag) { renamed[f.Name] = f.Name == "name-fa" || f.Name == "name-en" })
		rename := renamed["name-fa"] || renamed["name-en"]
		if *slug == "" || *disabled && *enabled || !*disabled && !*enabled && !rename {
			return errors.New("set-region: --slug and one of --disabled, --enabled, --name-fa or --name-en are required")
		}
		return nil
	}); err != nil {
		return err
	}
	defer cmd.db.Close()
	p := services.OperatorOnMachine()
	r, err := cmd.staff.Region(ctx, p, *slug)
	if err != nil {
		return fmt.Errorf("set-region: %w", explain(err))
	}
	if renamed["name-fa"] || renamed["name-en"] {
		fa, en := r.NameFA, r.NameEN
		if renamed["name-fa"] {
			fa = *nameFA
		}
		if renamed["name-en"] {
			en = *nameEN
		}
		if r, err = cmd.staff.RenameRegion(ctx, p, r.Slug, fa, en); err != nil {
			return fmt.Errorf("set-region: %w", explain(err))
		}
	}
	if *disabled || *enabled {
		if r, err = cmd.staff.SetRegionDisabled(ctx, p, r.Slug, *disabled); err != nil {
			return fmt.Errorf("set-region: %w", explain(err))
		}
	}
	return printRegions(out, *cmd.asJSON, []cliRegion{regionOut(r)})
}
