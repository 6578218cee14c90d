package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"abrak/services"
	"abrak/store"
)

// adminCreateToken mints an API token for a customer and prints only the
// token, so that TOKEN=$(abrak admin create-token …) captures it; everything
// else goes to standard error.
func adminCreateToken(ctx context.Context, args []string, out io.Writer) error {
	cmd := newCommand("admin create-token")
	email := cmd.String("email", "", "the customer's email (required)")
	scopes := cmd.String("scopes", "", "comma-separated scopes (required): "+strings.Join(services.AllScopes, ",")+
		"; admin (the operators' door) for staff only: an admin's or support's token, with that role's rights")
	name := cmd.String("name", "", "token name (default: cli-YYYY-MM-DD)")
	expires := cmd.Duration("expires", 0, "lifetime such as 720h; 0 never expires")
	db, err := cmd.open(ctx, args, func() error {
		if *email == "" || *scopes == "" {
			return errors.New("admin create-token: --email and --scopes are required")
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer db.Close()
	if *name == "" {
		*name = "cli-" + time.Now().UTC().Format("2006-01-02")
	}
	u, err := db.UserByEmail(ctx, strings.ToLower(strings.TrimSpace(*email)))
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("admin create-token: no user with email %q", *email)
	}
	if err != nil {
		return err
	}
	tokens := services.NewTokens(db, services.NewAudit(db, newLogger(cmd.LogFormat, os.Stderr)), nil)
	p := services.Principal{UserID: u.ID, Email: u.Email, IsAdmin: u.IsAdmin, StaffRole: u.StaffRole}
	secret, _, err := tokens.Create(ctx, p, *name, strings.Split(*scopes, ","), *expires)
	if err != nil {
		return explain(err)
	}
	_, err = fmt.Fprintln(out, secret)
	return err
}
