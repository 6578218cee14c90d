package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"abrak/services"
	"abrak/store"
)

// adminCreateUser makes a customer's or an operator's account, vouched for by
// the operator: verified, and at any domain.
func adminCreateUser(ctx context.Context, args []string, out io.Writer) error {
	cmd := newCommand("admin create-user")
	email := cmd.String("email", "", "email (required)")
	password := cmd.String("password", "", "password (required)")
	name := cmd.String("name", "", "display name (default: the email's local part)")
	admin := cmd.Bool("admin", false, "make the user an operator's admin")
	support := cmd.Bool("support", false, "make the user one of the operator's support staff")
	balance := cmd.Int64("balance", 0, "initial wallet balance in rials")
	db, err := cmd.open(ctx, args, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	if *name == "" {
		*name, _, _ = strings.Cut(*email, "@")
	}
	acc, err := services.NewAccounts(db, services.NewAudit(db, newLogger(cmd.LogFormat, io.Discard)), nil, nil, services.AccountsConfig{})
	if err != nil {
		return err
	}
	u, err := acc.SignUp(ctx, services.SignUpInput{Email: *email, Name: *name, Password: *password, IsAdmin: *admin, Operator: true})
	if err != nil {
		return explain(err)
	}
	if *balance > 0 {
		if _, err := db.Credit(ctx, u.ID, *balance, "topup", "admin"); err != nil {
			return err
		}
	}
	if *support && !*admin {
		staff := services.NewStaff(db, services.NewAudit(db, newLogger(cmd.LogFormat, io.Discard)), nil, 0)
		if _, err := staff.SetRole(ctx, services.OperatorOnMachine(), u.Email, store.StaffSupport); err != nil {
			return explain(err)
		}
	}
	fmt.Fprintf(out, "created user %d <%s>\n", u.ID, u.Email)
	return nil
}

// adminSetRole gives a person a role on the operator's side, or takes it away:
// `abrak admin set-role EMAIL admin|support|none` (or --email and --role).
func adminSetRole(ctx context.Context, args []string, out io.Writer) error {
	cmd := newCommand("admin set-role")
	email := cmd.String("email", "", "the person's email")
	role := cmd.String("role", "", "admin, support or none")
	db, err := cmd.open(ctx, args, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	if *email == "" {
		*email = cmd.Arg(0)
	}
	if *role == "" {
		*role = cmd.Arg(1)
	}
	if *email == "" || *role == "" {
		return fmt.Errorf("set-role: give the email and the role (admin, support or none)")
	}
	staff := services.NewStaff(db, services.NewAudit(db, newLogger(cmd.LogFormat, io.Discard)), nil, 0)
	u, err := staff.SetRole(ctx, services.OperatorOnMachine(), *email, *role)
	if err != nil {
		return explain(err)
	}
	fmt.Fprintf(out, "%s is now %s\n", u.Email, roleWord(u.StaffRole))
	return nil
}

func roleWord(r string) string {
	if r == "" {
		return "a customer (no operator's role)"
	}
	return r
}

// adminTopUp credits a customer's wallet, as a payment the operator took would.
func adminTopUp(ctx context.Context, args []string, out io.Writer) error {
	cmd := newCommand("admin top-up")
	email := cmd.String("email", "", "the customer's email (required)")
	amount := cmd.Int64("amount", 0, "rials to credit (required, > 0)")
	ref := cmd.String("ref", "operator", "payment reference shown in the customer's bills")
	db, err := cmd.open(ctx, args, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := db.UserByEmail(ctx, *email)
	if err != nil {
		return fmt.Errorf("top-up: no user %q", *email)
	}
	w := services.NewWallet(db, services.NewAudit(db, newLogger(cmd.LogFormat, io.Discard)))
	after, err := w.TopUp(ctx, u.ID, *amount, *ref)
	if err != nil {
		return explain(err)
	}
	fmt.Fprintf(out, "credited %d rials to %s; balance %d rials\n", *amount, u.Email, after)
	return nil
}
