// Package ctl is abrakctl, Abrak's command-line client for customers (the
// convention of hcloud and doctl): VMs, SSH keys, actions and the account
// through the API, tables for people in Persian or English, JSON for scripts.
//
// Exit codes (documented in `abrakctl --help` and the README):
//
//	0 done
//	1 the panel refused (an API error: its code, fields and request id on stderr)
//	2 usage: a bad command, flag or argument, or no URL or token
//	3 --wait ran out of time (the action goes on on the panel)
//	4 the action followed by --wait ended errored
//	5 the panel could not be reached
//	130 interrupted (Ctrl-C)
package ctl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"abrak/client"
)

// Exit codes.
const (
	ExitOK          = 0
	ExitAPI         = 1
	ExitUsage       = 2
	ExitWaitTimeout = 3
	ExitFailed      = 4
	ExitUnreachable = 5
	// ExitInterrupted is Ctrl-C, as shells count it (128 + SIGINT).
	ExitInterrupted = 130
)

// Env is the world a run sees: its streams, its environment and how it
// reaches the panel. OSEnv is the real one.
type Env struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// HTTP sends the requests (nil: http.DefaultClient).
	HTTP *http.Client
	// Context ends the run early (Ctrl-C); nil: never.
	Context context.Context
}

// OSEnv is the process's own environment.
func OSEnv() Env { return Env{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv} }

// usageError is a mistake in the command line (exit 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// waitTimeout is --wait running out of time (exit 3).
type waitTimeout struct{ action client.Action }

func (e waitTimeout) Error() string {
	return fmt.Sprintf("gave up waiting for action %d (%s, still %s); follow it with: abrakctl action get %d",
		e.action.ID, e.action.Type, e.action.Status, e.action.ID)
}

// run is one invocation's state.
type run struct {
	env     Env
	lang    string // "fa" or "en"
	url     string
	token   string
	context string
	output  string
	jsonOut bool
	wait    bool
	timeout time.Duration
	c       *client.Client
}

// Main runs abrakctl with args (without the program's name) and returns its exit code.
func Main(args []string, env Env) int {
	if env.Getenv == nil {
		env.Getenv = func(string) string { return "" }
	}
	r := &run{env: env, lang: langOf(env.Getenv)}
	root := r.rootCmd()
	root.SetArgs(normalizeDigits(args))
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	ctx := env.Context
	if ctx == nil {
		ctx = context.Background()
	}
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	fmt.Fprintln(env.Stderr, "abrakctl: "+err.Error())
	var apiErr *client.Error
	var ue usageError
	var wt waitTimeout
	var netErr net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	case errors.As(err, &wt):
		return ExitWaitTimeout
	case errors.Is(err, client.ErrActionFailed):
		return ExitFailed
	case errors.As(err, &apiErr):
		return ExitAPI
	case errors.As(err, &ue), isCobraUsage(err):
		return ExitUsage
	case errors.As(err, &netErr), errors.Is(err, context.DeadlineExceeded):
		return ExitUnreachable
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return ExitUnreachable
	}
	return ExitAPI
}

// isCobraUsage: cobra's own refusals (unknown command or flag, wrong
// number of arguments) are plain errors.
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, s := range []string{"unknown command", "unknown flag", "unknown shorthand", "accepts ", "requires ", "invalid argument", "flag needs an argument", "required flag"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

const exitCodesHelp = `Exit codes:
  0  done
  1  the panel refused (the API's code, fields and request id on stderr)
  2  usage: a bad command, flag or argument, or no URL or token
  3  --wait ran out of time (the action goes on on the panel)
  4  the action followed by --wait ended errored
  5  the panel could not be reached
  130 interrupted (Ctrl-C; an action already started goes on)

Where the panel and token come from, first found wins:
  --url/--token, then ABRAK_URL/ABRAK_TOKEN, then the current context of
  ~/.config/abrakctl/config.json (ABRAK_CONFIG names another file; --context picks one).
Tables are in Persian when LANG (or LC_ALL) starts with fa, in English otherwise.`

func (r *run) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "abrakctl",
		Short:         "Abrak's command-line client: VMs, SSH keys, actions and the account",
		Long:          "abrakctl drives an Abrak panel through its API.\n\n" + exitCodesHelp,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	pf := root.PersistentFlags()
	pf.StringVar(&r.url, "url", "", "the panel's address (default $ABRAK_URL or the context's)")
	pf.StringVar(&r.token, "token", "", "a personal access token, ic_pat_… (default $ABRAK_TOKEN or the context's)")
	pf.StringVar(&r.context, "context", "", "a context of the config file, instead of its current one")
	pf.StringVarP(&r.output, "output", "o", "table", "table (for people) or json (for scripts)")
	pf.BoolVar(&r.jsonOut, "json", false, "the same as -o json")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err.Error()} })
	root.AddCommand(r.vmCmd(), r.sshKeyCmd(), r.actionCmd(), r.accountCmd(), r.contextCmd())
	root.CompletionOptions.HiddenDefaultCmd = false
	return root
}

// connect makes the client from flags, environment and config file.
func (r *run) connect() error {
	if r.jsonOut {
		r.output = "json"
	}
	if r.output != "table" && r.output != "json" {
		return usagef("-o takes table or json, not %q", r.output)
	}
	url, token := r.url, r.token
	if url == "" {
		url = r.env.Getenv("ABRAK_URL")
	}
	if token == "" {
		token = r.env.Getenv("ABRAK_TOKEN")
	}
	if url == "" || token == "" || r.context != "" {
		cfg, err := loadConfig(r.configPath())
		if err != nil {
			return err
		}
		name := r.context
		if name == "" {
			name = cfg.Current
		}
		if name != "" {
			ctx, ok := cfg.Contexts[name]
			if !ok {
				return usagef("no context %q in %s", name, r.configPath())
			}
			if r.url == "" && (url == "" || r.context != "") {
				url = ctx.URL
			}
			if r.token == "" && (token == "" || r.context != "") {
				token = ctx.Token
			}
		}
	}
	if url == "" || token == "" {
		return usagef("no panel or token: give --url and --token, set ABRAK_URL and ABRAK_TOKEN, or add a context (abrakctl context set NAME --url … --token …)")
	}
	r.c = client.New(url, token)
	r.c.Language = r.lang
	r.c.UserAgent = "abrakctl"
	if r.env.HTTP != nil {
		r.c.HTTP = r.env.HTTP
	}
	return nil
}

// waitFlags adds --wait and --wait-timeout to a command that starts an action.
func (r *run) waitFlags(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&r.wait, "wait", false, "follow the action until it ends, with a progress line on stderr")
	cmd.Flags().DurationVar(&r.timeout, "wait-timeout", 10*time.Minute, "how long --wait follows before giving up (exit 3)")
}

// follow waits for a when --wait was given, printing progress on stderr.
func (r *run) follow(ctx context.Context, a client.Action) (client.Action, error) {
	if !r.wait {
		return a, nil
	}
	if a.Done() {
		fmt.Fprintln(r.env.Stderr, r.progressLine(a, 0))
		if a.Status == "errored" {
			return a, fmt.Errorf("%w: %s %d", client.ErrActionFailed, a.Type, a.ID)
		}
		return a, nil
	}
	wctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	start := time.Now()
	last := ""
	done, err := r.c.WaitForAction(wctx, a.ID, func(x client.Action) {
		line := r.progressLine(x, time.Since(start))
		if line != last {
			fmt.Fprintln(r.env.Stderr, line)
			last = line
		}
	})
	if err != nil && wctx.Err() != nil && ctx.Err() == nil {
		if done.ID == 0 {
			done = a
		}
		return done, waitTimeout{done}
	}
	return done, err
}

func (r *run) progressLine(a client.Action, took time.Duration) string {
	secs := int(took.Seconds())
	if r.lang == "fa" {
		return faDigits(fmt.Sprintf("عملیات %d (%s): %s، %d٪ — %d ثانیه", a.ID, a.Type, r.word(a.Status), a.Progress, secs))
	}
	return fmt.Sprintf("action %d (%s): %s, %d%% — %ds", a.ID, a.Type, a.Status, a.Progress, secs)
}
