package main

import (
	"context"
	"flag"
	"log/slog"
	"os"
	"time"

	"abrak/handlers"
	"abrak/services"
	"abrak/store"
	"abrak/web"
)

// app is the panel's wired-up parts, shared by serve and the tests of main.
type app struct {
	db       *store.DB
	sessions *store.SessionStore
	server   *web.Server
}

func buildApp(ctx context.Context, c config, log *slog.Logger) (*app, error) {
	db, err := store.Open(ctx, c.DB)
	if err != nil {
		return nil, err
	}
	audit := services.NewAudit(db, log)
	accounts, err := services.NewAccounts(db, audit, services.AccountsConfig{})
	if err != nil {
		db.Close()
		return nil, err
	}
	wcfg := web.Config{Addr: c.Addr, BaseURL: c.BaseURL, SecureCookies: c.SecureCookies}
	ss := db.Sessions(10 * time.Minute)
	h := handlers.New(handlers.Deps{
		Log: log, DB: db, Sessions: web.NewSessionManager(ss, wcfg),
		Accounts: accounts, Audit: audit,
	})
	return &app{db: db, sessions: ss, server: web.New(wcfg, log, h)}, nil
}

func (a *app) Close() {
	a.sessions.Close()
	a.db.Close()
}

func cmdServe(ctx context.Context, args []string) error {
	var c config
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	serveFlags(fs, &c)
	parse(fs, args)
	log := newLogger(c.LogFormat, os.Stderr)
	a, err := buildApp(ctx, c, log)
	if err != nil {
		return err
	}
	defer a.Close()
	return a.server.Run(ctx)
}
