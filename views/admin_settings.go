package views

import "time"

// AdminSettingsView is the operator's Settings page: the brand's form and
// the state of the panel's parts.
type AdminSettingsView struct {
	// CanManage: an admin (support reads the page; the form is not shown).
	CanManage bool
	// Brand is the brand form: the brand as it is, or the refused values.
	Brand               Form
	HasLogo, HasFavicon bool
	PoweredBy           bool
	LogoTag             string // cache-busting tag of the logo shown
	Parts               PartsRow
	Limits              SupportLimitsView
}

// PartsRow is the panel's parts as the settings page shows them.
type PartsRow struct {
	MailOn                     bool
	MailFrom, MailServer       string
	MailFailed                 int
	MailLastError              string
	MailLastErrorAt            time.Time
	GatewayOn                  bool
	Gateway                    string
	PaymentLastError           string
	PaymentLastAt              time.Time
	VATPercent                 int
	BackupPricePercent         int
	BackupKeep                 int
	BackupWindowFrom, BackupTo string // "01:00", "05:00"
}
