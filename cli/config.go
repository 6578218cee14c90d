package cli

import (
	"flag"
	"os"
	"strconv"
	"time"
)

// config is every setting, read from ABRAK_* variables and overridable by flags.
type config struct {
	Addr           string
	DB             string
	BaseURL        string
	SecureCookies  bool
	LogFormat      string
	APIRatePerMin  int
	MetricsAddr    string
	MetricsPublic  bool
	TrustedProxies string
	// AddressQuarantine is how long a released address rests before reuse.
	AddressQuarantine time.Duration
	// Zarinpal: the merchant id (empty: no online payment) and the request/verify
	// and StartPay base URLs (Zarinpal's live ones by default).
	ZarinpalMerchant, ZarinpalAPIBase, ZarinpalPayBase string
	// SMTP: the operator's mail server (empty address: no mail), its sender,
	// login and TLS mode; Provider is the name letters are signed with.
	UnpaidGrace time.Duration
	VATPercent  int
	// UnpaidDeleteAfter: 0 (the default) never deletes a VM for want of funds.
	UnpaidDeleteAfter                                             time.Duration
	SMTPAddr, SMTPFrom, SMTPUser, SMTPPassword, SMTPTLS, Provider string
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func envInt(name string, def int) int {
	if v, ok := os.LookupEnv(name); ok {
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if v, ok := os.LookupEnv(name); ok {
		if d, err := time.ParseDuration(v); err == nil {
			return d
		}
	}
	return def
}

func envBool(name string, def bool) bool {
	if v, ok := os.LookupEnv(name); ok {
		b, err := strconv.ParseBool(v)
		if err == nil {
			return b
		}
	}
	return def
}

// commonFlags registers the settings every subcommand shares.
func commonFlags(fs *flag.FlagSet, c *config) {
	fs.StringVar(&c.DB, "db", env("ABRAK_DB", "./data/abrak.db"), "SQLite database file (ABRAK_DB)")
	fs.StringVar(&c.LogFormat, "log-format", env("ABRAK_LOG_FORMAT", "text"), "log format: text or json (ABRAK_LOG_FORMAT)")
}

func serveFlags(fs *flag.FlagSet, c *config) {
	commonFlags(fs, c)
	fs.StringVar(&c.Addr, "addr", env("ABRAK_ADDR", ":8080"), "listen address (ABRAK_ADDR)")
	fs.StringVar(&c.BaseURL, "base-url", env("ABRAK_BASE_URL", "http://localhost:8080"), "public URL used in links (ABRAK_BASE_URL)")
	fs.BoolVar(&c.SecureCookies, "secure-cookies", envBool("ABRAK_SECURE_COOKIES", false), "mark cookies Secure; set behind HTTPS (ABRAK_SECURE_COOKIES)")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", env("ABRAK_METRICS_ADDR", "127.0.0.1:9090"), "serve /metrics on a listener of its own; empty for none (ABRAK_METRICS_ADDR)")
	fs.BoolVar(&c.MetricsPublic, "metrics-public", envBool("ABRAK_METRICS_PUBLIC", false), "also serve /metrics on the public listener (ABRAK_METRICS_PUBLIC)")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", env("ABRAK_TRUSTED_PROXIES", ""), "reverse proxies (comma-separated CIDRs) whose X-Forwarded-For names the client (ABRAK_TRUSTED_PROXIES)")
	fs.DurationVar(&c.AddressQuarantine, "address-quarantine", envDuration("ABRAK_ADDRESS_QUARANTINE", 24*time.Hour),
		"how long a released IP address rests before another VM gets it (ABRAK_ADDRESS_QUARANTINE)")
	fs.StringVar(&c.ZarinpalMerchant, "zarinpal-merchant", env("ABRAK_ZARINPAL_MERCHANT", ""), "Zarinpal merchant id; empty turns online top-ups off (ABRAK_ZARINPAL_MERCHANT)")
	fs.StringVar(&c.ZarinpalAPIBase, "zarinpal-api-base", env("ABRAK_ZARINPAL_API_BASE", "https://payment.zarinpal.com/pg/v4/payment"),
		"Zarinpal's request/verify base URL (ABRAK_ZARINPAL_API_BASE; the sandbox: https://sandbox.zarinpal.com/pg/v4/payment)")
	fs.StringVar(&c.ZarinpalPayBase, "zarinpal-pay-base", env("ABRAK_ZARINPAL_PAY_BASE", "https://payment.zarinpal.com/pg/StartPay"),
		"Zarinpal's StartPay base URL (ABRAK_ZARINPAL_PAY_BASE)")
	fs.DurationVar(&c.UnpaidGrace, "unpaid-grace", envDuration("ABRAK_UNPAID_GRACE", 7*24*time.Hour),
		"how long a VM powered off for want of funds waits before it is suspended (ABRAK_UNPAID_GRACE)")
	fs.DurationVar(&c.UnpaidDeleteAfter, "unpaid-delete-after", envDuration("ABRAK_UNPAID_DELETE_AFTER", 0),
		"delete a VM powered off for want of funds this long, after a final backup of its disk and a 72-hour warning; 0 never deletes (ABRAK_UNPAID_DELETE_AFTER)")
	fs.IntVar(&c.VATPercent, "vat-percent", envInt("ABRAK_VAT_PERCENT", 10), "VAT added to top-ups at the gateway, in percent (ABRAK_VAT_PERCENT)")
	fs.StringVar(&c.SMTPAddr, "smtp-addr", env("ABRAK_SMTP_ADDR", ""), "mail server host:port; empty sends no mail (ABRAK_SMTP_ADDR)")
	fs.StringVar(&c.SMTPFrom, "smtp-from", env("ABRAK_SMTP_FROM", "no-reply@localhost"), "sender address of every letter (ABRAK_SMTP_FROM)")
	fs.StringVar(&c.SMTPUser, "smtp-user", env("ABRAK_SMTP_USER", ""), "mail server login; empty for none (ABRAK_SMTP_USER)")
	fs.StringVar(&c.SMTPPassword, "smtp-password", env("ABRAK_SMTP_PASSWORD", ""), "mail server password (ABRAK_SMTP_PASSWORD)")
	fs.StringVar(&c.SMTPTLS, "smtp-tls", env("ABRAK_SMTP_TLS", "starttls"), "starttls, tls (implicit, port 465) or none (ABRAK_SMTP_TLS)")
	fs.StringVar(&c.Provider, "provider-name", env("ABRAK_PROVIDER_NAME", "Abrak"), "the provider's name, in every letter (ABRAK_PROVIDER_NAME)")
	fs.IntVar(&c.APIRatePerMin, "api-rate-per-min", envInt("ABRAK_API_RATE_PER_MIN", 120), "API requests a minute per token (ABRAK_API_RATE_PER_MIN)")
}
