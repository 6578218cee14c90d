package cli

import (
	"io"
	"log/slog"
	"testing"

	"abrak/services"
)

// What the operator sets reaches the panel: a Zarinpal merchant turns online
// top-ups on, an SMTP address turns mail on, each with its settings.
func TestServeSettingsReachThePanel(t *testing.T) {
	cmd := newCommand(onServe)
	if err := cmd.parse([]string{"--zarinpal-merchant", "m-1", "--smtp-addr", "mail.example.com:587", "--smtp-from", "panel@example.com",
		"--smtp-user", "u", "--smtp-password", "p", "--provider-name", "Ab Cloud", "--base-url", "https://panel.example.com",
		"--migration-bandwidth", "50"}); err != nil {
		t.Fatal(err)
	}
	ac := appConfig(cmd.config, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	z, ok := ac.Gateway.(*services.Zarinpal)
	if !ok || z.Merchant != "m-1" || z.APIBase == "" || z.PayBase == "" {
		t.Errorf("the Zarinpal settings do not reach the panel: %#v", ac.Gateway)
	}
	m := ac.Mail
	if m.Server.Addr != "mail.example.com:587" || m.Server.TLS != "starttls" || m.Server.User != "u" || m.Server.Password != "p" ||
		m.From != "panel@example.com" || m.Provider != "Ab Cloud" || m.BaseURL != "https://panel.example.com" {
		t.Errorf("the mail settings do not reach the panel: %+v", m)
	}
	if ac.VM.MigrationBandwidthMiB != 50 {
		t.Errorf("the migration bandwidth does not reach the panel: %d MiB/s", ac.VM.MigrationBandwidthMiB)
	}

	none := newCommand(onServe)
	_ = none.parse(nil)
	if ac := appConfig(none.config, nil, nil); ac.Gateway != nil || ac.Mail.Server.Addr != "" {
		t.Error("without settings the panel still has a gateway or a mail server")
	}
}
