package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"abrak/app"
	"abrak/mail"
	"abrak/services"
	"abrak/views"
	"abrak/web"
)

func cmdServe(ctx context.Context, args []string, _ io.Writer) error {
	cmd := newCommand(onServe)
	if err := cmd.parse(args); err != nil {
		return err
	}
	c := cmd.config
	log, logs := batchedLogger(ctx, c.LogFormat, os.Stderr)
	defer logs.Flush()
	proxies, err := web.ParseCIDRs(c.TrustedProxies)
	if err != nil {
		return err
	}
	cfg := appConfig(c, proxies, log)
	if cfg.Brand, err = brandOf(c); err != nil {
		return err
	}
	if cfg.Replica, err = replicaConfig(c); err != nil {
		return err
	}
	a, err := app.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.Start(ctx); err != nil {
		return err
	}
	return a.Server.Run(ctx)
}

// appConfig is the panel as the settings describe it.
func appConfig(c config, proxies []*net.IPNet, log *slog.Logger) app.Config {
	return app.Config{
		Web: web.Config{Addr: c.Addr, BaseURL: c.BaseURL, SecureCookies: c.SecureCookies,
			MetricsAddr: c.MetricsAddr, MetricsPublic: c.MetricsPublic, TrustedProxies: proxies,
			APIRateLimit: web.NewRateLimiter().WithPerToken(c.APIRatePerMin)},
		DBPath: c.DB, Log: log, TemplateDir: c.TemplateDir,
		VM: services.VMConfig{AddressQuarantine: c.AddressQuarantine, UnpaidGrace: c.UnpaidGrace, UnpaidDeleteAfter: c.UnpaidDeleteAfter,
			MigrationBandwidthMiB: uint64(max(c.MigrationBandwidth, 0)),
			Backups: services.BackupConfig{PricePercent: c.BackupPricePercent, WindowStart: c.BackupWindow.start,
				WindowLength: c.BackupWindow.length, Keep: c.BackupKeep, AfterDelete: c.BackupAfterDelete, RecycleGrace: c.RecycleGrace}},
		Gateway:       gateway(c),
		VATPercent:    c.VATPercent,
		OperatorEmail: c.OperatorEmail,
		Webhooks:      services.WebhookConfig{AllowLoopback: c.WebhooksAllowLoopback},
		Site: views.Site{
			Support: views.Support{Email: c.SupportEmail, Phone: c.SupportPhone, URL: c.SupportURL, Telegram: c.SupportTelegram},
			Payment: views.Payment{Card: c.PaymentCard, Sheba: c.PaymentSheba, NoteFA: c.PaymentNoteFA, NoteEN: c.PaymentNoteEN},
		},
		Mail: services.MailConfig{
			Server: mail.Server{Addr: c.SMTPAddr, User: c.SMTPUser, Password: c.SMTPPassword, TLS: c.SMTPTLS},
			From:   c.SMTPFrom, Provider: c.Provider, BaseURL: c.BaseURL,
		},
	}
}

// brandOf is the brand the ABRAK_BRAND_* settings give, its images read
// (the settings' check already read them once; a file gone since is named).
func brandOf(c config) (services.Brand, error) {
	b := services.Brand{NameFA: c.BrandNameFA, NameEN: c.BrandNameEN, Accent: c.BrandAccent, PoweredBy: c.BrandPoweredBy,
		SupportEmail: c.SupportEmail, SupportURL: c.SupportURL, BaseURL: c.BaseURL}
	for _, img := range []struct {
		env, path string
		data      *[]byte
		typ       *string
	}{{"ABRAK_BRAND_LOGO", c.BrandLogo, &b.Logo, &b.LogoType}, {"ABRAK_BRAND_FAVICON", c.BrandFavicon, &b.Favicon, &b.FaviconType}} {
		if img.path == "" {
			continue
		}
		data, err := os.ReadFile(img.path)
		if err == nil {
			*img.typ, err = services.ImageType(data)
		}
		if err != nil {
			return b, fmt.Errorf("%s=%q: %w", img.env, img.path, err)
		}
		*img.data = data
	}
	return b, nil
}

// gateway is the payment gateway the settings name, or nil for none.
func gateway(c config) services.Gateway {
	if c.ZarinpalMerchant == "" {
		return nil
	}
	return &services.Zarinpal{Merchant: c.ZarinpalMerchant, APIBase: c.ZarinpalAPIBase, PayBase: c.ZarinpalPayBase,
		HTTP: &http.Client{Timeout: 30 * time.Second}}
}
