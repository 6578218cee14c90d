package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"

	"abrak/store"
)

// adminAddBackupStore declares where a region's backups are kept, off their
// VMs' nodes: a directory on this host (storage mounted here) or another
// node's storage pool.
func adminAddBackupStore(ctx context.Context, args []string, out io.Writer) error {
	var st store.BackupStore
	cmd := newCommand("admin add-backup-store")
	cmd.StringVar(&st.Name, "name", "", "the store's name (required)")
	cmd.StringVar(&st.Region, "region", "", "the region whose backups it keeps (required)")
	dir := cmd.String("dir", "", "a directory on this host, on storage mounted here")
	nodeName := cmd.String("node", "", "a node whose storage pool keeps them (its own VMs' backups go elsewhere)")
	db, err := cmd.open(ctx, args, func() error {
		if st.Name == "" || st.Region == "" || (*dir == "") == (*nodeName == "") {
			return errors.New("add-backup-store: --name, --region and one of --dir or --node are required")
		}
		if *dir != "" {
			abs, err := filepath.Abs(*dir)
			if err != nil {
				return fmt.Errorf("add-backup-store: %w", err)
			}
			if info, err := os.Stat(abs); err != nil || !info.IsDir() {
				return fmt.Errorf("add-backup-store: --dir %s is not a directory on this host", abs)
			}
			st.Kind, st.Path = store.BackupStoreDir, abs
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer db.Close()
	if *nodeName != "" {
		nodes, err := db.AllNodes(ctx)
		if err != nil {
			return err
		}
		for _, n := range nodes {
			if n.Name == *nodeName {
				st.Kind, st.NodeID = store.BackupStorePool, n.ID
			}
		}
		if st.NodeID == 0 {
			return fmt.Errorf("add-backup-store: no node %q (abrak admin nodes lists them)", *nodeName)
		}
	}
	st, err = db.AddBackupStore(ctx, st)
	switch {
	case errors.Is(err, store.ErrConflict):
		return fmt.Errorf("add-backup-store: a store named %q exists", st.Name)
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("add-backup-store: no region %q", st.Region)
	case err != nil:
		return err
	}
	fmt.Fprintf(out, "backup store %s for %s: %s\n", st.Name, st.Region, where(st))
	return nil
}

// adminBackupStores prints one line per store with what it holds.
func adminBackupStores(ctx context.Context, args []string, out io.Writer) error {
	cmd := newCommand("admin backup-stores")
	db, err := cmd.open(ctx, args, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	stores, err := db.BackupStores(ctx)
	if err != nil {
		return err
	}
	usage, err := db.BackupStoreUsages(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tREGION\tWHERE\tENABLED\tBACKUPS\tBYTES")
	for _, st := range stores {
		u := usage[st.ID]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%d\t%d\n", st.Name, st.Region, where(st), st.Enabled, u.Backups, u.Bytes)
	}
	return tw.Flush()
}

// adminSetBackupStore turns a store on or off for new backups.
func adminSetBackupStore(ctx context.Context, args []string, out io.Writer) error {
	cmd := newCommand("admin set-backup-store")
	name := cmd.String("name", "", "the store (required)")
	disabled := cmd.Bool("disabled", false, "take no new backups there (its backups stay restorable)")
	enabled := cmd.Bool("enabled", false, "take new backups there again")
	db, err := cmd.open(ctx, args, func() error {
		if *name == "" || *disabled == *enabled {
			return errors.New("set-backup-store: --name and one of --disabled or --enabled are required")
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.SetBackupStoreEnabled(ctx, *name, *enabled); errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("set-backup-store: no store %q", *name)
	} else if err != nil {
		return err
	}
	fmt.Fprintf(out, "backup store %s: enabled %v\n", *name, *enabled)
	return nil
}

// where says where a store keeps its backups.
func where(st store.BackupStore) string {
	if st.Kind == store.BackupStorePool {
		return "node " + st.NodeName + "'s pool"
	}
	return "directory " + st.Path
}
