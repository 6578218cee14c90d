package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// cmdMigrate brings the database to the binary's schema and says which that is.
func cmdMigrate(ctx context.Context, args []string, out io.Writer) error {
	cmd := newCommand("migrate")
	db, err := cmd.open(ctx, args, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "database %s is at schema version %d\n", cmd.DB, v)
	return nil
}

// cmdBackup copies the live database consistently, while the panel serves.
func cmdBackup(ctx context.Context, args []string, out io.Writer) error {
	cmd := newCommand("backup")
	to := cmd.String("to", "", "file to write the copy to (must not exist)")
	db, err := cmd.open(ctx, args, func() error {
		if *to == "" {
			return errors.New("backup: --to FILE is required")
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Backup(ctx, *to); err != nil {
		return err
	}
	fmt.Fprintf(out, "backed up %s to %s\n", cmd.DB, *to)
	return nil
}
