package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"abrak/replica"
)

// replicaConfig is replication as the settings describe it.
func replicaConfig(c config) (replica.Config, error) {
	urls, err := replica.ParseURLs(c.ReplicaURL)
	if err != nil {
		return replica.Config{}, fmt.Errorf("ABRAK_REPLICA_URL: %w", err)
	}
	return replica.Config{URLs: urls, SyncInterval: c.ReplicaSyncInterval, MaxLag: c.ReplicaMaxLag,
		SFTPKey: c.ReplicaSFTPKey, SFTPPassword: c.ReplicaSFTPPassword, SFTPKnownHosts: c.ReplicaSFTPKnownHosts}, nil
}

// cmdRestore makes a new database file from a replica: on a fresh machine,
// the first step after losing the panel's (README, "The database off the machine").
func cmdRestore(ctx context.Context, args []string, out io.Writer) error {
	cmd := newCommand(onRestore)
	from := cmd.String("from", "", "the replica: a directory or an sftp:// URL (default: the first of ABRAK_REPLICA_URL)")
	to := cmd.String("to", "", "the database file to make; it must not exist (required)")
	if err := cmd.parse(args); err != nil {
		return err
	}
	cfg, err := replicaConfig(cmd.config)
	if err != nil {
		return err
	}
	if *from == "" && len(cfg.URLs) > 0 {
		*from = cfg.URLs[0]
	}
	if *from == "" || *to == "" {
		return errors.New("restore: --to FILE and --from REPLICA (or ABRAK_REPLICA_URL) are required")
	}
	if err := replica.Restore(ctx, *from, *to, cfg); err != nil {
		return err
	}
	fmt.Fprintf(out, "restored %s from %s; start the panel on it: ABRAK_DB=%s abrak serve\n", *to, *from, *to)
	return nil
}

// adminReplica prints each replica's state as the panel serving the database
// last wrote it: synced through when, how far behind now, and its last error.
func adminReplica(ctx context.Context, args []string, out io.Writer) error {
	cmd := newCommand("admin replica")
	if err := cmd.parse(args); err != nil {
		return err
	}
	rep, err := replica.ReadStatus(cmd.DB)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "written by the panel at %s\n", rep.UpdatedAt.Format(time.RFC3339))
	fmt.Fprintln(tw, "REPLICA\tSYNCED THROUGH\tLAG\tERROR")
	for _, r := range rep.Replicas {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.URL, r.SyncedThrough.Format(time.RFC3339), r.Lag.Round(time.Millisecond), r.Error)
	}
	return tw.Flush()
}
