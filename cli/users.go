package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"abrak/services"
	"abrak/store"
	"abrak/views/i18n"
)

func cmdMigrate(ctx context.Context, args []string) error {
	var c config
	fs := flag.NewFlagSet("migrate", flag.ExitOnError)
	commonFlags(fs, &c)
	parse(fs, args)
	db, err := store.Open(ctx, c.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("database %s is at schema version %d\n", c.DB, v)
	return nil
}

func cmdBackup(ctx context.Context, args []string) error {
	var c config
	var to string
	fs := flag.NewFlagSet("backup", flag.ExitOnError)
	commonFlags(fs, &c)
	fs.StringVar(&to, "to", "", "file to write the copy to (must not exist)")
	parse(fs, args)
	if to == "" {
		return errors.New("backup: --to FILE is required")
	}
	db, err := store.Open(ctx, c.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Backup(ctx, to); err != nil {
		return err
	}
	fmt.Printf("backed up %s to %s\n", c.DB, to)
	return nil
}

func cmdAdmin(ctx context.Context, args []string) error {
	if len(args) == 0 {
		usage()
		return errors.New("admin: which command?")
	}
	switch args[0] {
	case "create-user":
		return adminCreateUser(ctx, args[1:], os.Stdout)
	case "create-token":
		return adminCreateToken(ctx, args[1:], os.Stdout)
	case "top-up":
		return adminTopUp(ctx, args[1:], os.Stdout)
	case "add-node":
		return adminAddNode(ctx, args[1:], os.Stdout)
	case "set-node":
		return adminSetNode(ctx, args[1:], os.Stdout)
	case "nodes":
		return adminNodes(ctx, args[1:], os.Stdout)
	case "add-pool":
		return adminAddPool(ctx, args[1:], os.Stdout)
	case "mail-queue":
		return adminMailQueue(ctx, args[1:], os.Stdout)
	case "pools":
		return adminPools(ctx, args[1:], os.Stdout)
	case "import-template":
		return adminImportTemplate(ctx, args[1:], os.Stdout)
	case "import-iso":
		return adminImportISO(ctx, args[1:], os.Stdout)
	case "templates":
		return adminTemplates(ctx, args[1:], os.Stdout)
	case "set-template":
		return adminSetTemplate(ctx, args[1:], os.Stdout)
	case "demo-vm":
		return adminDemoVM(ctx, args[1:], os.Stdout)
	case "seed-demo":
		return adminSeedDemo(ctx, args[1:], os.Stdout)
	}
	return fmt.Errorf("admin: unknown command %q", args[0])
}

func adminCreateUser(ctx context.Context, args []string, out io.Writer) error {
	var c config
	var email, password, name string
	var admin bool
	var balance int64
	fs := flag.NewFlagSet("admin create-user", flag.ExitOnError)
	commonFlags(fs, &c)
	fs.StringVar(&email, "email", "", "email (required)")
	fs.StringVar(&password, "password", "", "password (required)")
	fs.StringVar(&name, "name", "", "display name (default: the email's local part)")
	fs.BoolVar(&admin, "admin", false, "make the user an operator")
	fs.Int64Var(&balance, "balance", 0, "initial wallet balance in rials")
	parse(fs, args)
	if name == "" {
		name = email
		for i, r := range email {
			if r == '@' {
				name = email[:i]
				break
			}
		}
	}
	db, err := store.Open(ctx, c.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	log := newLogger(c.LogFormat, io.Discard)
	acc, err := services.NewAccounts(db, services.NewAudit(db, log), services.AccountsConfig{})
	if err != nil {
		return err
	}
	u, err := acc.SignUp(ctx, services.SignUpInput{Email: email, Name: name, Password: password, IsAdmin: admin, Operator: true})
	if err != nil {
		return describe(err)
	}
	if balance > 0 {
		if _, err := db.Credit(ctx, u.ID, balance, "topup", "admin"); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "created user %d <%s>\n", u.ID, u.Email)
	return nil
}

// describe turns a validation error into a line an operator can act on.
func describe(err error) error {
	e := services.AsError(err)
	if len(e.Fields) == 0 {
		return err
	}
	msg := ""
	for f, k := range e.Fields {
		msg += fmt.Sprintf(" %s: %s;", f, i18n.T(i18n.EN, k))
	}
	return errors.New("invalid input:" + msg)
}

func adminTopUp(ctx context.Context, args []string, out io.Writer) error {
	var c config
	var email, ref string
	var amount int64
	fs := flag.NewFlagSet("admin top-up", flag.ExitOnError)
	commonFlags(fs, &c)
	fs.StringVar(&email, "email", "", "the customer's email (required)")
	fs.Int64Var(&amount, "amount", 0, "rials to credit (required, > 0)")
	fs.StringVar(&ref, "ref", "operator", "payment reference shown in the customer's bills")
	parse(fs, args)
	db, err := store.Open(ctx, c.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := db.UserByEmail(ctx, email)
	if err != nil {
		return fmt.Errorf("top-up: no user %q", email)
	}
	w := services.NewWallet(db, services.NewAudit(db, newLogger(c.LogFormat, io.Discard)))
	after, err := w.TopUp(ctx, u.ID, amount, ref)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(out, "credited %d rials to %s; balance %d rials\n", amount, u.Email, after)
	return nil
}
