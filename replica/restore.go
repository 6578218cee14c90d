package replica

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/benbjohnson/litestream"
	"github.com/benbjohnson/litestream/file"
	"github.com/superfly/ltx"
)

// Restore writes the database as the replica named by from last held it into
// the new file to, and refuses a file that exists. It first copies the whole
// replica beside to (the hub a Replicator starts from), so a panel started on
// the restored file goes on writing the same replicas, in the same history,
// instead of finding them to belong to another database.
func Restore(ctx context.Context, from, to string, cfg Config) error {
	cfg = cfg.withDefaults()
	abs, err := fileAbs(to)
	if err != nil {
		return err
	}
	for _, p := range []string{abs, abs + "-wal", abs + "-shm"} {
		if _, err := os.Stat(p); err == nil {
			return fmt.Errorf("restore: %s already exists; restore writes a new file", p)
		} else if !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("restore: %w", err)
		}
	}
	s, err := parseTarget(from)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	src, err := s.client(cfg, quiet(slog.Default()))
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	have, err := listAll(ctx, src)
	if err != nil {
		return fmt.Errorf("restore: %s: %w", s.redacted, err)
	}
	if len(have) == 0 {
		return fmt.Errorf("restore: %s holds no database", s.redacted)
	}

	state := stateDir(abs)
	seed := state + ".restoring"
	if err := os.RemoveAll(seed); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer os.RemoveAll(seed)
	hub := file.NewReplicaClient(hubDir(abs))
	seeding := file.NewReplicaClient(filepath.Join(seed, "hub"))
	files := make([]*ltx.FileInfo, 0, len(have))
	for _, info := range have {
		files = append(files, info)
	}
	slices.SortFunc(files, copyOrder)
	for _, info := range files {
		if err := copyFile(ctx, src, seeding, info); err != nil {
			return fmt.Errorf("restore: reading %s: %w", s.redacted, err)
		}
	}
	if _, err := os.Stat(state); err == nil {
		aside := state + ".before-restore-" + strconv.FormatInt(time.Now().Unix(), 10)
		if err := os.Rename(state, aside); err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		slog.Default().Info("restore: the replication state of the database that was here is kept aside", "dir", aside)
	}
	if err := os.Rename(seed, state); err != nil {
		return fmt.Errorf("restore: %w", err)
	}

	opt := litestream.NewRestoreOptions()
	opt.OutputPath = abs
	opt.IntegrityCheck = litestream.IntegrityCheckFull
	if err := litestream.NewReplicaWithClient(nil, hub).Restore(ctx, opt); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	return nil
}

func fileAbs(p string) (string, error) {
	if p == "" {
		return "", errors.New("restore: no file to write named")
	}
	return filepath.Abs(p)
}
