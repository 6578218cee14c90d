package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"abrak/services"
)

// adminSupportLimits shows support's limits on moving money and, given a
// flag, changes them as an admin would on the Settings page: the same
// checks, the same audit (as the operator on the machine).
func adminSupportLimits(ctx context.Context, args []string, out io.Writer) error {
	cmd := newCommand("admin support-limits")
	perAct := cmd.Int64("per-act", 0, "the most support may credit or debit in one act, in toman (0: support may not move money)")
	perDay := cmd.Int64("per-day", 0, "the most one support person may move in one day (Tehran time), in toman")
	asJSON := cmd.Bool("json", false, "print the limits as JSON")
	db, err := cmd.open(ctx, args, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	staff := services.NewStaff(db, services.NewAudit(db, newLogger(cmd.LogFormat, os.Stderr)), nil, 0)
	op := services.OperatorOnMachine()
	l, err := staff.SupportLimits(ctx, op)
	if err != nil {
		return explain(err)
	}
	changed := false
	cmd.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "per-act":
			l.PerActToman, changed = *perAct, true
		case "per-day":
			l.PerDayToman, changed = *perDay, true
		}
	})
	if changed {
		if l, err = staff.SetSupportLimits(ctx, op, l); err != nil {
			return explain(err)
		}
	}
	if *asJSON {
		return json.NewEncoder(out).Encode(map[string]int64{"per_act_toman": l.PerActToman, "per_day_toman": l.PerDayToman})
	}
	_, err = fmt.Fprintf(out, "per-act  %d toman\nper-day  %d toman\n", l.PerActToman, l.PerDayToman)
	return err
}
