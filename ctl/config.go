package ctl

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/spf13/cobra"
)

// config is ~/.config/abrakctl/config.json: named panels and tokens, one current.
type config struct {
	Current  string                   `json:"current,omitempty"`
	Contexts map[string]configContext `json:"contexts"`
}

type configContext struct {
	URL   string `json:"url"`
	Token string `json:"token"`
}

// configPath is $ABRAK_CONFIG, else $XDG_CONFIG_HOME/abrakctl/config.json,
// else ~/.config/abrakctl/config.json (on every system, as the docs say).
func (r *run) configPath() string {
	if p := r.env.Getenv("ABRAK_CONFIG"); p != "" {
		return p
	}
	if x := r.env.Getenv("XDG_CONFIG_HOME"); x != "" {
		return filepath.Join(x, "abrakctl", "config.json")
	}
	home := r.env.Getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	return filepath.Join(home, ".config", "abrakctl", "config.json")
}

func loadConfig(path string) (config, error) {
	cfg := config{Contexts: map[string]configContext{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return cfg, nil
	}
	if err != nil {
		return cfg, err
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		return cfg, usagef("%s: %v", path, err)
	}
	if cfg.Contexts == nil {
		cfg.Contexts = map[string]configContext{}
	}
	return cfg, nil
}

// saveConfig writes the file readable by its owner only: it holds tokens.
func saveConfig(path string, cfg config) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o600)
}

func (r *run) contextCmd() *cobra.Command {
	cmd := group("context", "Named panels and tokens in the config file")
	var url, token string
	set := &cobra.Command{Use: "set NAME", Short: "Add or change a context (and make it current when it is the first)", Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			path := r.configPath()
			cfg, err := loadConfig(path)
			if err != nil {
				return err
			}
			c := cfg.Contexts[args[0]]
			if url != "" {
				c.URL = url
			}
			if token != "" {
				c.Token = token
			}
			if c.URL == "" || c.Token == "" {
				return usagef("a context needs --url and --token")
			}
			cfg.Contexts[args[0]] = c
			if cfg.Current == "" {
				cfg.Current = args[0]
			}
			return saveConfig(path, cfg)
		}}
	set.Flags().StringVar(&url, "url", "", "the panel's address")
	set.Flags().StringVar(&token, "token", "", "a personal access token")
	use := &cobra.Command{Use: "use NAME", Short: "Make a context the current one", Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			path := r.configPath()
			cfg, err := loadConfig(path)
			if err != nil {
				return err
			}
			if _, ok := cfg.Contexts[args[0]]; !ok {
				return usagef("no context %q in %s", args[0], path)
			}
			cfg.Current = args[0]
			if err := saveConfig(path, cfg); err != nil {
				return err
			}
			fmt.Fprintln(r.env.Stdout, args[0])
			return nil
		}}
	list := &cobra.Command{Use: "list", Short: "The contexts, the current one marked", Args: cobra.NoArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			cfg, err := loadConfig(r.configPath())
			if err != nil {
				return err
			}
			names := make([]string, 0, len(cfg.Contexts))
			for n := range cfg.Contexts {
				names = append(names, n)
			}
			sort.Strings(names)
			t := r.table("CURRENT", "NAME", "URL")
			for _, n := range names {
				mark := ""
				if n == cfg.Current {
					mark = "*"
				}
				t.row(mark, n, cfg.Contexts[n].URL)
			}
			return t.flush()
		}}
	// The config commands need no panel: they skip connect, so -o must be read here.
	list.PreRunE = func(*cobra.Command, []string) error {
		if r.jsonOut {
			r.output = "json"
		}
		return nil
	}
	cmd.AddCommand(set, use, list)
	return cmd
}
