package cli

import (
	"errors"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// config is every setting: an ABRAK_* variable each, which the flag of the
// same name overrides. settings declares them.
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
	UnpaidGrace                                        time.Duration
	// UnpaidDeleteAfter: 0 (the default) never deletes a VM for want of funds.
	UnpaidDeleteAfter time.Duration
	VATPercent        int
	// SMTP: the operator's mail server (empty address: no mail), its sender,
	// login and TLS mode; Provider is the name letters are signed with.
	SMTPAddr, SMTPFrom, SMTPUser, SMTPPassword, SMTPTLS, Provider string
	// TemplateDir keeps the panel's copies of imported images; empty: templates/ beside the database.
	TemplateDir string
	// Backups: their price as a share of the plan's, the nightly window (in
	// Tehran), how many daily backups a VM keeps, how long backups outlive
	// their VM, and how long a deleted VM waits in the recycle bin.
	BackupPricePercent int
	BackupWindow       window
	BackupKeep         int
	BackupAfterDelete  time.Duration
	RecycleGrace       time.Duration
	// Replication of the database (replica/): where to, how often, how far
	// behind before the operator (OperatorEmail) hears of it, and the SFTP login.
	ReplicaURL, ReplicaSFTPKey, ReplicaSFTPPassword, ReplicaSFTPKnownHosts string
	ReplicaSyncInterval, ReplicaMaxLag                                     time.Duration
	OperatorEmail                                                          string
	// MigrationBandwidth caps a live migration's copy, MiB/s (0: no cap).
	MigrationBandwidth int
	// Support channels, shown on every page and in each message that sends
	// the customer to support (empty: not offered).
	SupportEmail, SupportPhone, SupportURL, SupportTelegram string
	// How to pay when online payment is off: a card number, a Sheba number and
	// a note in each language (the holder's name, what to write on the transfer).
	PaymentCard, PaymentSheba, PaymentNoteFA, PaymentNoteEN string
	// WebhooksAllowLoopback lets webhook endpoints on loopback be registered
	// and reached: for tests only (off, every private address is refused).
	WebhooksAllowLoopback bool
	// The provider's brand (issue 29): its name in each language, the files
	// of its logo and favicon, its accent colour and the "powered by" line.
	// Values set on the settings page win over these.
	BrandNameFA, BrandNameEN, BrandLogo, BrandFavicon, BrandAccent string
	BrandPoweredBy                                                 bool
}

// setting is one ABRAK_* variable and its flag. The README's configuration
// table lists the same (a test holds it to this list).
type setting struct {
	env, flag string
	// def is the value when the variable is not set, spelled as the variable would be.
	def   string
	usage string
	// field is where the setting lands in a config.
	field func(*config) flag.Value
	// on names the commands that have the flag; none: every command.
	on []string
}

// The commands whose flags are more than the database and the log format.
const (
	onServe   = "serve"
	onPools   = "admin pools"
	onImport  = "admin import-template"
	onISO     = "admin import-iso"
	onRestore = "restore"
)

// settings are every setting, in the README's order. Every command reads them
// all, so a malformed one stops any command, not only the one that uses it.
var settings = []setting{
	{"ABRAK_ADDR", "addr", ":8080", "listen address",
		func(c *config) flag.Value { return (*text)(&c.Addr) }, []string{onServe}},
	{"ABRAK_DB", "db", "./data/abrak.db", "SQLite database file",
		func(c *config) flag.Value { return (*text)(&c.DB) }, nil},
	{"ABRAK_BASE_URL", "base-url", "http://localhost:8080", "public URL used in links",
		func(c *config) flag.Value { return (*text)(&c.BaseURL) }, []string{onServe}},
	{"ABRAK_SECURE_COOKIES", "secure-cookies", "false", "mark cookies Secure; set behind HTTPS",
		func(c *config) flag.Value { return (*boolean)(&c.SecureCookies) }, []string{onServe}},
	{"ABRAK_LOG_FORMAT", "log-format", "text", "log format: text or json",
		func(c *config) flag.Value { return (*text)(&c.LogFormat) }, nil},
	{"ABRAK_API_RATE_PER_MIN", "api-rate-per-min", "120", "API `requests` a minute per token",
		func(c *config) flag.Value { return (*whole)(&c.APIRatePerMin) }, []string{onServe}},
	{"ABRAK_METRICS_ADDR", "metrics-addr", "127.0.0.1:9090", "serve /metrics on a listener of its own; empty for none",
		func(c *config) flag.Value { return (*text)(&c.MetricsAddr) }, []string{onServe}},
	{"ABRAK_METRICS_PUBLIC", "metrics-public", "false", "also serve /metrics on the public listener",
		func(c *config) flag.Value { return (*boolean)(&c.MetricsPublic) }, []string{onServe}},
	{"ABRAK_TRUSTED_PROXIES", "trusted-proxies", "", "reverse proxies (comma-separated CIDRs) whose X-Forwarded-For names the client",
		func(c *config) flag.Value { return (*text)(&c.TrustedProxies) }, []string{onServe}},
	{"ABRAK_ADDRESS_QUARANTINE", "address-quarantine", "24h", "the `duration` a released IP address rests before another VM gets it",
		func(c *config) flag.Value { return (*duration)(&c.AddressQuarantine) }, []string{onServe, onPools}},
	{"ABRAK_ZARINPAL_MERCHANT", "zarinpal-merchant", "", "Zarinpal merchant id; empty turns online top-ups off",
		func(c *config) flag.Value { return (*text)(&c.ZarinpalMerchant) }, []string{onServe}},
	{"ABRAK_ZARINPAL_API_BASE", "zarinpal-api-base", "https://payment.zarinpal.com/pg/v4/payment",
		"Zarinpal's request/verify base URL; the sandbox's is https://sandbox.zarinpal.com/pg/v4/payment",
		func(c *config) flag.Value { return (*text)(&c.ZarinpalAPIBase) }, []string{onServe}},
	{"ABRAK_ZARINPAL_PAY_BASE", "zarinpal-pay-base", "https://payment.zarinpal.com/pg/StartPay", "Zarinpal's StartPay base URL",
		func(c *config) flag.Value { return (*text)(&c.ZarinpalPayBase) }, []string{onServe}},
	{"ABRAK_UNPAID_GRACE", "unpaid-grace", "168h", "the `duration` a VM powered off for want of funds waits before it is suspended",
		func(c *config) flag.Value { return (*duration)(&c.UnpaidGrace) }, []string{onServe}},
	{"ABRAK_UNPAID_DELETE_AFTER", "unpaid-delete-after", "0",
		"the `duration` after which a VM powered off for want of funds is deleted, after a final backup of its disk and a 72-hour warning; 0 never deletes",
		func(c *config) flag.Value { return (*duration)(&c.UnpaidDeleteAfter) }, []string{onServe}},
	{"ABRAK_VAT_PERCENT", "vat-percent", "10", "VAT added to top-ups at the gateway, in `percent`",
		func(c *config) flag.Value { return (*percent)(&c.VATPercent) }, []string{onServe}},
	{"ABRAK_SMTP_ADDR", "smtp-addr", "", "mail server host:port; empty sends no mail",
		func(c *config) flag.Value { return (*text)(&c.SMTPAddr) }, []string{onServe}},
	{"ABRAK_SMTP_FROM", "smtp-from", "no-reply@localhost", "sender address of every letter",
		func(c *config) flag.Value { return (*text)(&c.SMTPFrom) }, []string{onServe}},
	{"ABRAK_SMTP_USER", "smtp-user", "", "mail server login; empty for none",
		func(c *config) flag.Value { return (*text)(&c.SMTPUser) }, []string{onServe}},
	{"ABRAK_SMTP_PASSWORD", "smtp-password", "", "mail server password",
		func(c *config) flag.Value { return (*text)(&c.SMTPPassword) }, []string{onServe}},
	{"ABRAK_SMTP_TLS", "smtp-tls", "starttls", "starttls, tls (implicit, port 465) or none",
		func(c *config) flag.Value { return (*text)(&c.SMTPTLS) }, []string{onServe}},
	{"ABRAK_PROVIDER_NAME", "provider-name", "Abrak", "the provider's name, in every letter",
		func(c *config) flag.Value { return (*text)(&c.Provider) }, []string{onServe}},
	{"ABRAK_TEMPLATE_DIR", "template-dir", "", "where the panel keeps its copies of imported images (default: templates/ beside the database)",
		func(c *config) flag.Value { return (*text)(&c.TemplateDir) }, []string{onServe, onImport, onISO}},
	{"ABRAK_BACKUP_PRICE_PERCENT", "backup-price-percent", "20", "a VM's backups' hourly price, in `percent` of its plan's",
		func(c *config) flag.Value { return (*percent)(&c.BackupPricePercent) }, []string{onServe}},
	{"ABRAK_BACKUP_WINDOW", "backup-window", "01:00-05:00", "the nightly `window` of daily backups, Tehran time, each VM at its own minute of it",
		func(c *config) flag.Value { return &c.BackupWindow }, []string{onServe}},
	{"ABRAK_BACKUP_KEEP", "backup-keep", "7", "how many daily `backups` a VM keeps",
		func(c *config) flag.Value { return (*positive)(&c.BackupKeep) }, []string{onServe}},
	{"ABRAK_BACKUP_AFTER_DELETE", "backup-after-delete", "168h", "the `duration` backups outlive their deleted VM",
		func(c *config) flag.Value { return (*duration)(&c.BackupAfterDelete) }, []string{onServe}},
	{"ABRAK_RECYCLE_GRACE", "recycle-grace", "24h", "the `duration` a deleted VM waits in the recycle bin before it is destroyed",
		func(c *config) flag.Value { return (*duration)(&c.RecycleGrace) }, []string{onServe}},
	{"ABRAK_REPLICA_URL", "replica-url", "", "where the database is replicated continuously: directories and sftp:// targets, comma-separated; empty for none",
		func(c *config) flag.Value { return (*text)(&c.ReplicaURL) }, []string{onServe, onRestore}},
	{"ABRAK_REPLICA_SYNC_INTERVAL", "replica-sync-interval", "1s", "how often committed transactions are shipped to the replicas (a `duration`)",
		func(c *config) flag.Value { return (*duration)(&c.ReplicaSyncInterval) }, []string{onServe}},
	{"ABRAK_REPLICA_MAX_LAG", "replica-max-lag", "1m", "the `duration` a replica may fall behind before the operator is told",
		func(c *config) flag.Value { return (*duration)(&c.ReplicaMaxLag) }, []string{onServe}},
	{"ABRAK_REPLICA_SFTP_KEY", "replica-sftp-key", "", "the private key file SFTP replicas log in with",
		func(c *config) flag.Value { return (*text)(&c.ReplicaSFTPKey) }, []string{onServe, onRestore}},
	{"ABRAK_REPLICA_SFTP_PASSWORD", "replica-sftp-password", "", "the password SFTP replicas log in with when their URL has none",
		func(c *config) flag.Value { return (*text)(&c.ReplicaSFTPPassword) }, []string{onServe, onRestore}},
	{"ABRAK_REPLICA_SFTP_KNOWN_HOSTS", "replica-sftp-known-hosts", "", "the known_hosts file holding each SFTP server's host key (default ~/.ssh/known_hosts)",
		func(c *config) flag.Value { return (*text)(&c.ReplicaSFTPKnownHosts) }, []string{onServe, onRestore}},
	{"ABRAK_OPERATOR_EMAIL", "operator-email", "", "the operator's address: told when a replica of the database falls behind and when it catches up",
		func(c *config) flag.Value { return (*text)(&c.OperatorEmail) }, []string{onServe}},
	{"ABRAK_MIGRATION_BANDWIDTH", "migration-bandwidth", "0", "the `MiB/s` a live migration's copy of memory and disk may use between nodes; 0 for no cap",
		func(c *config) flag.Value { return (*whole)(&c.MigrationBandwidth) }, []string{onServe}},
	{"ABRAK_SUPPORT_EMAIL", "support-email", "", "support's e-mail address, on every page; empty for none",
		func(c *config) flag.Value { return (*emailAddr)(&c.SupportEmail) }, []string{onServe}},
	{"ABRAK_SUPPORT_PHONE", "support-phone", "", "support's telephone number (digits, spaces, dashes, a leading +), on every page; empty for none",
		func(c *config) flag.Value { return (*phone)(&c.SupportPhone) }, []string{onServe}},
	{"ABRAK_SUPPORT_URL", "support-url", "", "support's web page or ticket desk (http or https), on every page; empty for none",
		func(c *config) flag.Value { return (*webURL)(&c.SupportURL) }, []string{onServe}},
	{"ABRAK_SUPPORT_TELEGRAM", "support-telegram", "", "support's Telegram username (@name), on every page; empty for none",
		func(c *config) flag.Value { return (*telegram)(&c.SupportTelegram) }, []string{onServe}},
	{"ABRAK_PAYMENT_CARD", "payment-card", "", "the bank card number customers pay into when online payment is off, shown on the wallet",
		func(c *config) flag.Value { return (*cardNumber)(&c.PaymentCard) }, []string{onServe}},
	{"ABRAK_PAYMENT_SHEBA", "payment-sheba", "", "the Sheba number (IR and 24 digits) customers transfer to when online payment is off, shown on the wallet",
		func(c *config) flag.Value { return (*sheba)(&c.PaymentSheba) }, []string{onServe}},
	{"ABRAK_PAYMENT_NOTE_FA", "payment-note-fa", "", "the Persian note under the payment details: the account holder, what to write on the transfer",
		func(c *config) flag.Value { return (*text)(&c.PaymentNoteFA) }, []string{onServe}},
	{"ABRAK_PAYMENT_NOTE_EN", "payment-note-en", "", "the English note under the payment details",
		func(c *config) flag.Value { return (*text)(&c.PaymentNoteEN) }, []string{onServe}},
	{"ABRAK_WEBHOOKS_ALLOW_LOOPBACK", "webhooks-allow-loopback", "false", "let webhook endpoints on loopback (127.0.0.1, ::1, localhost) be registered and reached: for tests, never in production",
		func(c *config) flag.Value { return (*boolean)(&c.WebhooksAllowLoopback) }, []string{onServe}},
	{"ABRAK_BRAND_NAME_FA", "brand-name-fa", "", "the provider's name in Persian, on every page and letter (empty: the software's own)",
		func(c *config) flag.Value { return (*brandName)(&c.BrandNameFA) }, []string{onServe}},
	{"ABRAK_BRAND_NAME_EN", "brand-name-en", "", "the provider's name in English, on every page and letter (empty: the software's own)",
		func(c *config) flag.Value { return (*brandName)(&c.BrandNameEN) }, []string{onServe}},
	{"ABRAK_BRAND_LOGO", "brand-logo", "", "the provider's logo: the path of an SVG or PNG file (at most 512 KiB), read at start",
		func(c *config) flag.Value { return (*imageFile)(&c.BrandLogo) }, []string{onServe}},
	{"ABRAK_BRAND_FAVICON", "brand-favicon", "", "the browser tab's icon: the path of an SVG or PNG file, read at start",
		func(c *config) flag.Value { return (*imageFile)(&c.BrandFavicon) }, []string{onServe}},
	{"ABRAK_BRAND_ACCENT", "brand-accent", "", "the primary buttons' and links' colour, #rrggbb, dark enough for white text (contrast 4.5:1)",
		func(c *config) flag.Value { return (*accent)(&c.BrandAccent) }, []string{onServe}},
	{"ABRAK_BRAND_POWERED_BY", "brand-powered-by", "true", "show a discreet \"powered by Abrak\" line in the footer",
		func(c *config) flag.Value { return (*boolean)(&c.BrandPoweredBy) }, []string{onServe}},
}

// loadConfig reads every setting from the environment (lookup), the default
// where a variable is not set. A malformed value is an error naming the
// variable, the value and what it wants, for each such variable.
func loadConfig(lookup func(string) (string, bool)) (config, error) {
	var c config
	var bad []error
	for _, s := range settings {
		v, set := lookup(s.env)
		if !set {
			v = s.def
		}
		if err := s.field(&c).Set(v); err != nil {
			bad = append(bad, fmt.Errorf("%s=%q: %w", s.env, v, err))
		}
	}
	return c, errors.Join(bad...)
}

// flags registers on fs the flags command has, each defaulting to c's value.
func (c *config) flags(fs *flag.FlagSet, command string) {
	for _, s := range settings {
		if len(s.on) > 0 && !slices.Contains(s.on, command) {
			continue
		}
		usage := s.usage + " (" + s.env + ")"
		if v, ok := s.field(c).(*text); ok {
			fs.StringVar((*string)(v), s.flag, string(*v), usage) // listed as a string in -h
		} else {
			fs.Var(s.field(c), s.flag, usage) // a number or a duration is named in its usage
		}
	}
}

// The kinds of setting. Each Set says what it wants when given something
// else; the flag package puts that after the flag's name and value.
type (
	text     string
	whole    int
	positive int
	percent  int
	duration time.Duration
	boolean  bool
)

// window is a daily window of time, "HH:MM-HH:MM" (it may cross midnight).
type window struct{ start, length time.Duration }

func (v *window) Set(s string) error {
	from, to, ok := strings.Cut(s, "-")
	a, aerr := time.Parse("15:04", strings.TrimSpace(from))
	b, berr := time.Parse("15:04", strings.TrimSpace(to))
	if !ok || aerr != nil || berr != nil || a.Equal(b) {
		return errors.New("want a window such as 01:00-05:00")
	}
	start, end := a.Sub(a.Truncate(24*time.Hour)), b.Sub(b.Truncate(24*time.Hour))
	if end < start {
		end += 24 * time.Hour
	}
	*v = window{start: start, length: end - start}
	return nil
}

func (v *window) String() string {
	at := func(d time.Duration) string {
		d %= 24 * time.Hour
		return fmt.Sprintf("%02d:%02d", int(d.Hours()), int(d.Minutes())%60)
	}
	return at(v.start) + "-" + at(v.start+v.length)
}

func (v *positive) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return errors.New("want a whole number from 1 up")
	}
	*v = positive(n)
	return nil
}
func (v *positive) String() string { return strconv.Itoa(int(*v)) }

func (v *text) Set(s string) error { *v = text(s); return nil }
func (v *text) String() string     { return string(*v) }

func (v *whole) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil {
		return errors.New("want a whole number")
	}
	*v = whole(n)
	return nil
}
func (v *whole) String() string { return strconv.Itoa(int(*v)) }

func (v *percent) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 100 {
		return errors.New("want a whole number from 0 to 100")
	}
	*v = percent(n)
	return nil
}
func (v *percent) String() string { return strconv.Itoa(int(*v)) }

func (v *duration) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return errors.New("want a duration such as 90m, 24h or 0")
	}
	*v = duration(d)
	return nil
}
func (v *duration) String() string { return time.Duration(*v).String() }

func (v *boolean) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return errors.New("want true or false")
	}
	*v = boolean(b)
	return nil
}
func (v *boolean) String() string { return strconv.FormatBool(bool(*v)) }

// IsBoolFlag lets a bool's flag stand alone: --secure-cookies is --secure-cookies=true.
func (v *boolean) IsBoolFlag() bool { return true }
