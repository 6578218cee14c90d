package cli

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// settingCases has a row for every setting (a setting without one fails
// TestEverySettingHasATestCase): a good value and how it reads in the
// config; for a number, a duration or a yes/no, a malformed value and what the
// message says is wanted.
var settingCases = map[string]struct {
	good      string
	read      func(config) bool
	bad, want string
}{
	"ABRAK_ADDR":     {good: "127.0.0.1:8181", read: func(c config) bool { return c.Addr == "127.0.0.1:8181" }},
	"ABRAK_DB":       {good: "/srv/abrak/panel.db", read: func(c config) bool { return c.DB == "/srv/abrak/panel.db" }},
	"ABRAK_BASE_URL": {good: "https://panel.example.com", read: func(c config) bool { return c.BaseURL == "https://panel.example.com" }},
	"ABRAK_SECURE_COOKIES": {good: "true", read: func(c config) bool { return c.SecureCookies },
		bad: "yes please", want: "want true or false"},
	"ABRAK_LOG_FORMAT": {good: "json", read: func(c config) bool { return c.LogFormat == "json" }},
	"ABRAK_API_RATE_PER_MIN": {good: "600", read: func(c config) bool { return c.APIRatePerMin == 600 },
		bad: "600/min", want: "want a whole number"},
	"ABRAK_METRICS_ADDR": {good: "127.0.0.1:9191", read: func(c config) bool { return c.MetricsAddr == "127.0.0.1:9191" }},
	"ABRAK_METRICS_PUBLIC": {good: "1", read: func(c config) bool { return c.MetricsPublic },
		bad: "on", want: "want true or false"},
	"ABRAK_TRUSTED_PROXIES": {good: "10.0.0.0/8", read: func(c config) bool { return c.TrustedProxies == "10.0.0.0/8" }},
	"ABRAK_ADDRESS_QUARANTINE": {good: "36h", read: func(c config) bool { return c.AddressQuarantine == 36*time.Hour },
		bad: "1 day", want: "want a duration"},
	"ABRAK_ZARINPAL_MERCHANT": {good: "m-1", read: func(c config) bool { return c.ZarinpalMerchant == "m-1" }},
	"ABRAK_ZARINPAL_API_BASE": {good: "https://sandbox.zarinpal.com/pg/v4/payment",
		read: func(c config) bool { return c.ZarinpalAPIBase == "https://sandbox.zarinpal.com/pg/v4/payment" }},
	"ABRAK_ZARINPAL_PAY_BASE": {good: "https://sandbox.zarinpal.com/pg/StartPay",
		read: func(c config) bool { return c.ZarinpalPayBase == "https://sandbox.zarinpal.com/pg/StartPay" }},
	"ABRAK_UNPAID_GRACE": {good: "72h", read: func(c config) bool { return c.UnpaidGrace == 72*time.Hour },
		bad: "7", want: "want a duration"},
	"ABRAK_UNPAID_DELETE_AFTER": {good: "720h", read: func(c config) bool { return c.UnpaidDeleteAfter == 720*time.Hour },
		bad: "never", want: "want a duration"},
	"ABRAK_VAT_PERCENT": {good: "9", read: func(c config) bool { return c.VATPercent == 9 },
		bad: "ten", want: "want a whole number"},
	"ABRAK_SMTP_ADDR":     {good: "mail.example.com:587", read: func(c config) bool { return c.SMTPAddr == "mail.example.com:587" }},
	"ABRAK_SMTP_FROM":     {good: "panel@example.com", read: func(c config) bool { return c.SMTPFrom == "panel@example.com" }},
	"ABRAK_SMTP_USER":     {good: "u", read: func(c config) bool { return c.SMTPUser == "u" }},
	"ABRAK_SMTP_PASSWORD": {good: "p", read: func(c config) bool { return c.SMTPPassword == "p" }},
	"ABRAK_SMTP_TLS":      {good: "tls", read: func(c config) bool { return c.SMTPTLS == "tls" }},
	"ABRAK_PROVIDER_NAME": {good: "Ab Cloud", read: func(c config) bool { return c.Provider == "Ab Cloud" }},
	"ABRAK_TEMPLATE_DIR":  {good: "/srv/abrak/images", read: func(c config) bool { return c.TemplateDir == "/srv/abrak/images" }},
	"ABRAK_BACKUP_PRICE_PERCENT": {good: "0", read: func(c config) bool { return c.BackupPricePercent == 0 },
		bad: "20%", want: "want a whole number from 0 to 100"},
	"ABRAK_BACKUP_WINDOW": {good: "23:30-02:00", read: func(c config) bool {
		return c.BackupWindow == window{start: 23*time.Hour + 30*time.Minute, length: 150 * time.Minute}
	}, bad: "nightly", want: "want a window such as 01:00-05:00"},
	"ABRAK_BACKUP_KEEP": {good: "14", read: func(c config) bool { return c.BackupKeep == 14 },
		bad: "0", want: "want a whole number from 1 up"},
	"ABRAK_BACKUP_AFTER_DELETE": {good: "72h", read: func(c config) bool { return c.BackupAfterDelete == 72*time.Hour },
		bad: "a week", want: "want a duration"},
	"ABRAK_RECYCLE_GRACE": {good: "48h", read: func(c config) bool { return c.RecycleGrace == 48*time.Hour },
		bad: "1d", want: "want a duration"},
	"ABRAK_REPLICA_URL": {good: "/srv/replica,sftp://abrak@backup.example.com/srv/abrak",
		read: func(c config) bool { return c.ReplicaURL == "/srv/replica,sftp://abrak@backup.example.com/srv/abrak" }},
	"ABRAK_REPLICA_SYNC_INTERVAL": {good: "250ms", read: func(c config) bool { return c.ReplicaSyncInterval == 250*time.Millisecond },
		bad: "often", want: "want a duration"},
	"ABRAK_REPLICA_MAX_LAG": {good: "5m", read: func(c config) bool { return c.ReplicaMaxLag == 5*time.Minute },
		bad: "5", want: "want a duration"},
	"ABRAK_REPLICA_SFTP_KEY":         {good: "/etc/abrak/replica_ed25519", read: func(c config) bool { return c.ReplicaSFTPKey == "/etc/abrak/replica_ed25519" }},
	"ABRAK_REPLICA_SFTP_PASSWORD":    {good: "s", read: func(c config) bool { return c.ReplicaSFTPPassword == "s" }},
	"ABRAK_REPLICA_SFTP_KNOWN_HOSTS": {good: "/etc/abrak/known_hosts", read: func(c config) bool { return c.ReplicaSFTPKnownHosts == "/etc/abrak/known_hosts" }},
	"ABRAK_OPERATOR_EMAIL":           {good: "ops@example.com", read: func(c config) bool { return c.OperatorEmail == "ops@example.com" }},
	"ABRAK_MIGRATION_BANDWIDTH": {good: "100", read: func(c config) bool { return c.MigrationBandwidth == 100 },
		bad: "100MiB", want: "want a whole number"},
	"ABRAK_SUPPORT_EMAIL": {good: "help@example.com", read: func(c config) bool { return c.SupportEmail == "help@example.com" },
		bad: "help at example", want: "want an e-mail address"},
	"ABRAK_SUPPORT_PHONE": {good: "+98 21 1234-5678", read: func(c config) bool { return c.SupportPhone == "+98 21 1234-5678" },
		bad: "call us", want: "want a telephone number"},
	"ABRAK_SUPPORT_URL": {good: "https://help.example.com/tickets", read: func(c config) bool { return c.SupportURL == "https://help.example.com/tickets" },
		bad: "help.example.com", want: "want an http or https URL"},
	"ABRAK_SUPPORT_TELEGRAM": {good: "@abrak_help", read: func(c config) bool { return c.SupportTelegram == "abrak_help" },
		bad: "@ab", want: "want a Telegram username"},
	"ABRAK_PAYMENT_CARD": {good: "6037-9912-3456-7893", read: func(c config) bool { return c.PaymentCard == "6037991234567893" },
		bad: "6037-9912-3456-7894", want: "want a 16-digit bank card number"},
	"ABRAK_PAYMENT_SHEBA": {good: "IR33 0620 0000 0010 0324 2000 01", read: func(c config) bool { return c.PaymentSheba == "IR330620000000100324200001" },
		bad: "IR340620000000100324200001", want: "want a Sheba number"},
	"ABRAK_PAYMENT_NOTE_FA": {good: "به نام ابرک", read: func(c config) bool { return c.PaymentNoteFA == "به نام ابرک" }},
	"ABRAK_PAYMENT_NOTE_EN": {good: "Account holder: Abrak", read: func(c config) bool { return c.PaymentNoteEN == "Account holder: Abrak" }},
	"ABRAK_BRAND_NAME_FA": {good: "ابر نمونه", read: func(c config) bool { return c.BrandNameFA == "ابر نمونه" },
		bad: "<b>ابر</b>", want: "want a name of at most 64 characters"},
	"ABRAK_BRAND_NAME_EN": {good: "Sample Cloud", read: func(c config) bool { return c.BrandNameEN == "Sample Cloud" },
		bad: strings.Repeat("x", 65), want: "want a name of at most 64 characters"},
	"ABRAK_BRAND_LOGO": {good: "testdata/brand-logo.svg", read: func(c config) bool { return c.BrandLogo == "testdata/brand-logo.svg" },
		bad: "testdata/no-such-logo.svg", want: "want the path of an SVG or PNG file"},
	"ABRAK_BRAND_FAVICON": {good: "testdata/brand-logo.png", read: func(c config) bool { return c.BrandFavicon == "testdata/brand-logo.png" },
		bad: "config_test.go", want: "want the path of an SVG or PNG file"},
	"ABRAK_BRAND_ACCENT": {good: "#0369a1", read: func(c config) bool { return c.BrandAccent == "#0369a1" },
		bad: "#fde047", want: "want a colour dark enough for white text"},
	"ABRAK_BRAND_POWERED_BY": {good: "false", read: func(c config) bool { return !c.BrandPoweredBy },
		bad: "hidden", want: "want true or false"},
	"ABRAK_WEBHOOKS_ALLOW_LOOPBACK": {good: "true", read: func(c config) bool { return c.WebhooksAllowLoopback },
		bad: "yes please", want: "want true or false"},
}

func TestEverySettingHasATestCase(t *testing.T) {
	for _, s := range settings {
		c, ok := settingCases[s.env]
		if !ok {
			t.Errorf("%s has no row in settingCases", s.env)
			continue
		}
		if _, isText := s.field(&config{}).(*text); !isText && c.bad == "" {
			t.Errorf("%s takes a number, a duration or true/false, but its row has no malformed value", s.env)
		}
	}
	for env := range settingCases {
		if !slices.ContainsFunc(settings, func(s setting) bool { return s.env == env }) {
			t.Errorf("settingCases has %s, which is no setting", env)
		}
	}
}

// commandsOf are commands that have s's flag (every command has --db).
func commandsOf(s setting) []string {
	if len(s.on) == 0 {
		return []string{"migrate", onServe, "admin nodes"}
	}
	return s.on
}

// What the operator sets reaches each command that has the setting, from its
// variable or from its flag.
func TestEverySettingReachesTheCommandsThatHaveIt(t *testing.T) {
	for _, s := range settings {
		c := settingCases[s.env]
		for _, name := range commandsOf(s) {
			t.Run(s.env+"/"+name, func(t *testing.T) {
				t.Setenv(s.env, c.good)
				cmd := newCommand(name)
				if err := cmd.parse(nil); err != nil || !c.read(cmd.config) {
					t.Errorf("%s=%q: %v, read as %+v", s.env, c.good, err, cmd.config)
				}
			})
			t.Run("--"+s.flag+"/"+name, func(t *testing.T) {
				cmd := newCommand(name)
				if err := cmd.parse([]string{"--" + s.flag + "=" + c.good}); err != nil || !c.read(cmd.config) {
					t.Errorf("--%s=%q: %v, read as %+v", s.flag, c.good, err, cmd.config)
				}
			})
		}
	}
}

// A malformed number, duration or yes/no is not read as its default: every
// command stops before it does anything (no database is made), saying which
// variable, its value and what it wants, with exit status 2.
func TestAMalformedSettingStopsEveryCommandNamingIt(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // a command that went on regardless would stop at once
	for _, s := range settings {
		c := settingCases[s.env]
		if c.bad == "" {
			continue
		}
		for _, args := range [][]string{{"serve"}, {"migrate"}, {"backup", "--to", "copy.db"}, {"admin", "nodes"}, {"admin", "create-user", "--email", "a@example.com", "--password", "correct-horse-battery"}} {
			t.Run(s.env+"/"+strings.Join(args[:min(2, len(args))], " "), func(t *testing.T) {
				dir := t.TempDir()
				t.Setenv("ABRAK_DB", filepath.Join(dir, "abrak.db"))
				t.Setenv("ABRAK_ADDR", "127.0.0.1:0")
				t.Setenv("ABRAK_METRICS_ADDR", "")
				t.Setenv(s.env, c.bad)
				err := run(ctx, args, io.Discard)
				want := s.env + `="` + c.bad + `": ` + c.want
				if err == nil || !strings.HasPrefix(err.Error(), want) {
					t.Fatalf("abrak %s with %s=%q: %v, want %q", strings.Join(args, " "), s.env, c.bad, err, want)
				}
				if got := status(err, io.Discard); got != 2 {
					t.Errorf("exit status %d, want 2", got)
				}
				if _, err := os.Stat(filepath.Join(dir, "abrak.db")); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("the command made its database before refusing: %v", err)
				}
			})
		}
	}
}

// Every malformed setting is named at once, not one per try.
func TestEveryMalformedSettingIsNamedAtOnce(t *testing.T) {
	t.Setenv("ABRAK_VAT_PERCENT", "ten")
	t.Setenv("ABRAK_UNPAID_GRACE", "a week")
	err := newCommand("migrate").parse(nil)
	if err == nil || !strings.Contains(err.Error(), `ABRAK_VAT_PERCENT="ten": want a whole number`) ||
		!strings.Contains(err.Error(), `ABRAK_UNPAID_GRACE="a week": want a duration`) {
		t.Fatalf("got %v", err)
	}
}

// A VAT outside 0–100 is refused like a malformed one.
func TestAVATOutsideAPercentageIsRefused(t *testing.T) {
	for _, v := range []string{"-1", "101"} {
		t.Setenv("ABRAK_VAT_PERCENT", v)
		if err := newCommand(onServe).parse(nil); err == nil || !strings.Contains(err.Error(), "want a whole number from 0 to 100") {
			t.Errorf("ABRAK_VAT_PERCENT=%s: %v", v, err)
		}
	}
}

// The same value given as a flag is refused naming the flag, the value and
// what it wants (the flag package says it, with the command's flags).
func TestAMalformedFlagIsRefusedNamingIt(t *testing.T) {
	for _, s := range settings {
		c := settingCases[s.env]
		if c.bad == "" {
			continue
		}
		for _, name := range commandsOf(s) {
			cmd := newCommand(name)
			cmd.SetOutput(io.Discard)
			err := cmd.parse([]string{"--" + s.flag + "=" + c.bad})
			if err == nil || !strings.Contains(err.Error(), `"`+c.bad+`"`) || !strings.Contains(err.Error(), "-"+s.flag+":") ||
				!strings.Contains(err.Error(), c.want) {
				t.Errorf("%s --%s=%q: %v", name, s.flag, c.bad, err)
			}
			if got := status(err, io.Discard); got != 2 {
				t.Errorf("%s --%s=%q: exit status %d, want 2", name, s.flag, c.bad, got)
			}
		}
	}
}

// The README's configuration table lists every setting with its flag and
// default, and nothing else.
func TestTheREADMEListsEverySetting(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ flag, def string }
	listed := map[string]row{}
	tick := regexp.MustCompile("`([^`]*)`")
	for _, line := range strings.Split(string(b), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 5 || !strings.Contains(cells[1], "`ABRAK_") {
			continue
		}
		envs, flags := tick.FindAllStringSubmatch(cells[1], -1), regexp.MustCompile(`--[a-z-]+`).FindAllString(cells[2], -1)
		def := strings.TrimSpace(cells[3])
		switch m := tick.FindStringSubmatch(def); {
		case def == "(empty)":
			def = ""
		case m != nil && (def == m[0] || def == m[0]+" (off)"):
			def = m[1]
		default:
			def = "?" // said in words
		}
		for i, e := range envs {
			if i < len(flags) {
				listed[e[1]] = row{flags[i], def}
			}
		}
	}
	for _, s := range settings {
		r, ok := listed[s.env]
		switch {
		case !ok:
			t.Errorf("the README's table lacks %s", s.env)
		case r.flag != "--"+s.flag:
			t.Errorf("the README gives %s the flag %s, the command --%s", s.env, r.flag, s.flag)
		case r.def != "?" && r.def != s.def:
			t.Errorf("the README gives %s the default %q, the command %q", s.env, r.def, s.def)
		}
		delete(listed, s.env)
	}
	for env := range listed {
		t.Errorf("the README's table lists %s, which no command reads", env)
	}
}
