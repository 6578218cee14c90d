package cli

import (
	"context"
	"errors"
	"flag"
	"os"
	"sort"
	"strings"

	"abrak/services"
	"abrak/store"
	"abrak/views/i18n"
)

// command is one run of a command: the settings, its flags over them, and
// the flags of its own that the caller adds to the flag set.
type command struct {
	*flag.FlagSet
	config
	// bad is what was malformed in the environment; parse reports it.
	bad error
}

// newCommand reads the settings from the environment and registers the
// command's flags: --db and --log-format on every command, more on some
// (settings, on).
func newCommand(name string) *command {
	cmd := &command{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError)}
	cmd.config, cmd.bad = loadConfig(os.LookupEnv)
	cmd.SetOutput(os.Stderr)
	cmd.config.flags(cmd.FlagSet, name)
	return cmd
}

// badInvocation is a command called wrongly: a malformed setting or flag
// (exit status 2). told: the flag package has said it already, with the
// command's flags.
type badInvocation struct {
	err  error
	told bool
}

func (b badInvocation) Error() string { return b.err.Error() }
func (b badInvocation) Unwrap() error { return b.err }

// parse reads args over the settings.
func (cmd *command) parse(args []string) error {
	if cmd.bad != nil {
		return badInvocation{err: cmd.bad}
	}
	if err := cmd.Parse(args); err != nil {
		return badInvocation{err: err, told: true}
	}
	return nil
}

// open parses args, lets check refuse them (nil: anything goes) and opens
// the command's database, migrating it; the caller closes it. Nothing is
// opened, or created, for arguments that are refused.
func (cmd *command) open(ctx context.Context, args []string, check func() error) (*store.DB, error) {
	if err := cmd.parse(args); err != nil {
		return nil, err
	}
	if check != nil {
		if err := check(); err != nil {
			return nil, err
		}
	}
	return store.Open(ctx, cmd.DB)
}

// explain turns a service's error into a line an operator can act on: its
// message and each field's, in English, the fields named as flags.
func explain(err error) error {
	e := services.AsError(err)
	if e.Status >= 500 {
		return err
	}
	msg := i18n.T(i18n.EN, e.Key, e.Args...)
	var fields []string
	for f, k := range e.Fields {
		// A field is named as its flag: name_fa is --name-fa.
		fields = append(fields, "--"+strings.ReplaceAll(f, "_", "-")+": "+i18n.T(i18n.EN, k))
	}
	sort.Strings(fields)
	if len(fields) > 0 {
		msg += " " + strings.Join(fields, " ")
	}
	return errors.New(msg)
}
