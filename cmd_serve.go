package main

import (
	"context"
	"flag"
	"os"

	"abrak/services"
	"abrak/web"
)

func cmdServe(ctx context.Context, args []string) error {
	var c config
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	serveFlags(fs, &c)
	parse(fs, args)
	log := newLogger(c.LogFormat, os.Stderr)
	proxies, err := web.ParseCIDRs(c.TrustedProxies)
	if err != nil {
		return err
	}
	a, err := web.NewApp(ctx, web.AppConfig{
		Web: web.Config{Addr: c.Addr, BaseURL: c.BaseURL, SecureCookies: c.SecureCookies,
			MetricsAddr: c.MetricsAddr, MetricsPublic: c.MetricsPublic, TrustedProxies: proxies,
			APIRateLimit: web.NewRateLimiter().WithPerToken(c.APIRatePerMin)},
		DBPath: c.DB, Log: log,
		VM: services.VMConfig{AddressQuarantine: c.AddressQuarantine},
	})
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.Start(ctx); err != nil {
		return err
	}
	return a.Server.Run(ctx)
}
