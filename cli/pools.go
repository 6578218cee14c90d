package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"abrak/store"
)

// adminAddPool adds a region's address pool (or updates the region's pool of the
// same network): an IPv4 range or an IPv6 prefix that new VMs take addresses from.
func adminAddPool(ctx context.Context, args []string, out io.Writer) error {
	var p store.Pool
	cmd := newCommand("admin add-pool")
	cmd.StringVar(&p.Region, "region", "", "region slug (required)")
	cmd.StringVar(&p.Network, "network", "", "the network, CIDR: 203.0.113.0/24 or 2001:db8:1::/64 (required)")
	cmd.StringVar(&p.Gateway, "gateway", "", "the guests' default gateway, inside the network")
	cmd.StringVar(&p.First, "first", "", "IPv4: the first address handed out (default: the network's first host)")
	cmd.StringVar(&p.Last, "last", "", "IPv4: the last address handed out (default: the one before broadcast)")
	resolvers := cmd.String("resolvers", "", "comma-separated DNS resolvers the guests are given")
	db, err := cmd.open(ctx, args, func() error {
		if p.Region == "" || p.Network == "" {
			return errors.New("add-pool: --region and --network are required")
		}
		for _, r := range strings.Split(*resolvers, ",") {
			if r = strings.TrimSpace(r); r != "" {
				p.Resolvers = append(p.Resolvers, r)
			}
		}
		if _, err := store.CheckPool(p); err != nil {
			return fmt.Errorf("add-pool: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer db.Close()
	p, err = db.AddPool(ctx, p)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("add-pool: no region %q", p.Region)
	} else if err != nil {
		return err
	}
	fmt.Fprintf(out, "pool %d in %s: %s\n", p.ID, p.Region, poolRange(p))
	return nil
}

// adminPools prints one line per pool with how many of its addresses are live,
// quarantined and free.
func adminPools(ctx context.Context, args []string, out io.Writer) error {
	cmd := newCommand(onPools)
	db, err := cmd.open(ctx, args, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	pools, err := db.Pools(ctx, cmd.AddressQuarantine)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tREGION\tRANGE\tGATEWAY\tRESOLVERS\tLIVE\tQUARANTINED\tFREE")
	for _, p := range pools {
		free := "unbounded"
		if p.Size >= 0 {
			free = fmt.Sprint(max(0, p.Size-int64(p.Live+p.Quarantined)))
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%d\t%s\n", p.ID, p.Region, poolRange(p.Pool), p.Gateway,
			strings.Join(p.Resolvers, ","), p.Live, p.Quarantined, free)
	}
	return tw.Flush()
}

func poolRange(p store.Pool) string {
	if p.Family == 6 {
		return p.Network
	}
	return fmt.Sprintf("%s (%s–%s)", p.Network, p.First, p.Last)
}
