package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"abrak/services"
	"abrak/store"
	"abrak/views/i18n"
)

// adminCreateToken mints an API token for a customer and prints only the
// token, so that TOKEN=$(abrak admin create-token …) captures it; everything
// else goes to standard error.
func adminCreateToken(ctx context.Context, args []string, out io.Writer) error {
	var c config
	var email, scopes, name string
	var expires time.Duration
	fs := flag.NewFlagSet("admin create-token", flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	commonFlags(fs, &c)
	fs.StringVar(&email, "email", "", "the customer's email (required)")
	fs.StringVar(&scopes, "scopes", "", "comma-separated scopes (required): "+strings.Join(services.AllScopes, ","))
	fs.StringVar(&name, "name", "", "token name (default: cli-YYYY-MM-DD)")
	fs.DurationVar(&expires, "expires", 0, "lifetime such as 720h; 0 never expires")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if email == "" || scopes == "" {
		return errors.New("admin create-token: --email and --scopes are required")
	}
	if name == "" {
		name = "cli-" + time.Now().UTC().Format("2006-01-02")
	}
	db, err := store.Open(ctx, c.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := db.UserByEmail(ctx, strings.ToLower(strings.TrimSpace(email)))
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("admin create-token: no user with email %q", email)
	}
	if err != nil {
		return err
	}
	tokens := services.NewTokens(db, services.NewAudit(db, newLogger(c.LogFormat, os.Stderr)))
	p := services.Principal{UserID: u.ID, Email: u.Email, IsAdmin: u.IsAdmin}
	secret, _, err := tokens.Create(ctx, p, name, strings.Split(scopes, ","), expires)
	if err != nil {
		return explainInEnglish(err)
	}
	_, err = fmt.Fprintln(out, secret)
	return err
}

// explainInEnglish turns a service error into a line an operator can act on.
func explainInEnglish(err error) error {
	e := services.AsError(err)
	if e.Status >= 500 {
		return err
	}
	msg := i18n.T(i18n.EN, e.Key, e.Args...)
	var fields []string
	for f, k := range e.Fields {
		fields = append(fields, "--"+f+": "+i18n.T(i18n.EN, k))
	}
	sort.Strings(fields)
	if len(fields) > 0 {
		msg += " " + strings.Join(fields, " ")
	}
	return errors.New(msg)
}
