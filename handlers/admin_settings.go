package handlers

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/views"
)

// brandFields are the brand's text fields, as the form and the API name them.
var brandFields = []string{"name_fa", "name_en", "accent", "support_email", "support_url", "base_url"}

// AdminSettings is the operator's Settings page.
func (h *Handlers) AdminSettings(c echo.Context) error {
	return h.adminSettingsPage(c, http.StatusOK, nil)
}

// adminSettingsPage shows the page; refused is the brand form sent back
// with its errors (nil: the brand as it is).
func (h *Handlers) adminSettingsPage(c echo.Context, status int, refused *views.Form) error {
	return h.adminSettingsPageWith(c, status, refused, nil)
}

// adminSettingsPageWith is the page with either form refused (nil: as it is).
func (h *Handlers) adminSettingsPageWith(c echo.Context, status int, refused, limits *views.Form) error {
	p, _ := PrincipalOf(c)
	ctx := c.Request().Context()
	parts, err := h.Staff.Parts(ctx, p)
	if err != nil {
		return err
	}
	b, err := h.Brands.Get(ctx)
	if err != nil {
		return services.Internal(err)
	}
	v := views.AdminSettingsView{CanManage: p.RequireAdmin() == nil, HasLogo: b.Logo != nil, HasFavicon: b.Favicon != nil,
		PoweredBy: b.PoweredBy, Parts: partsRow(parts)}
	v.Brand = views.Form{Values: brandValues(b)}
	if refused != nil {
		v.Brand = *refused
	}
	if v.Limits, err = h.supportLimitsView(c, p, limits); err != nil {
		return err
	}
	return render(c, status, views.AdminSettingsPage(h.shell(c, "admin.settings.title", "admin-settings"), v))
}

func brandValues(b services.Brand) map[string]string {
	return map[string]string{"name_fa": b.NameFA, "name_en": b.NameEN, "accent": b.Accent,
		"support_email": b.SupportEmail, "support_url": b.SupportURL, "base_url": b.BaseURL}
}

func partsRow(p services.PartsStatus) views.PartsRow {
	clock := func(d time.Duration) string { return fmt.Sprintf("%02d:%02d", int(d.Hours())%24, int(d.Minutes())%60) }
	return views.PartsRow{MailOn: p.MailOn, MailFrom: p.MailFrom, MailServer: p.MailServer, MailFailed: p.MailFailed,
		MailLastError: p.MailLastError, MailLastErrorAt: p.MailLastErrorAt, GatewayOn: p.GatewayOn, Gateway: p.Gateway,
		PaymentLastError: p.PaymentLastError, PaymentLastAt: p.PaymentLastAt, VATPercent: p.VATPercent,
		BackupPricePercent: p.Backups.PricePercent, BackupKeep: p.Backups.Keep,
		BackupWindowFrom: clock(p.Backups.WindowStart), BackupTo: clock(p.Backups.WindowStart + p.Backups.WindowLength)}
}

// AdminSetBrand saves the brand form: every text field as sent (empty: the
// setting applies again), the logo and favicon when a file is chosen or
// removed when asked.
func (h *Handlers) AdminSetBrand(c echo.Context) error {
	p, _ := PrincipalOf(c)
	change := services.BrandChange{}
	texts := map[string]**string{"name_fa": &change.NameFA, "name_en": &change.NameEN, "accent": &change.Accent,
		"support_email": &change.SupportEmail, "support_url": &change.SupportURL, "base_url": &change.BaseURL}
	for _, f := range brandFields {
		v := c.FormValue(f)
		*texts[f] = &v
	}
	on := c.FormValue("powered_by") == "1"
	change.PoweredBy = &on
	var err error
	if change.Logo, err = brandUpload(c, "logo"); err == nil {
		change.Favicon, err = brandUpload(c, "favicon")
	}
	if err == nil {
		_, err = h.Brands.Set(c.Request().Context(), p, change)
	}
	if err != nil {
		f, status, ferr := formFor(c, err, formValues(c, brandFields...))
		if ferr != nil {
			return ferr
		}
		if f.Message == f.E("accent") {
			// A colour too light is said beside its field; once is enough.
			f.Message = ""
		}
		return h.adminSettingsPage(c, status, &f)
	}
	h.flash(c, "admin.settings.saved")
	return redirect(c, "/admin/settings")
}

// brandUpload is an image field of the brand form: its bytes when a file was
// chosen, empty when its removal was asked, nil to leave it as it is.
func brandUpload(c echo.Context, name string) (*[]byte, error) {
	fh, err := c.FormFile(name)
	if errors.Is(err, http.ErrMissingFile) || errors.Is(err, http.ErrNotMultipart) || fh != nil && fh.Size == 0 {
		if c.FormValue("remove_"+name) == "1" {
			return &[]byte{}, nil
		}
		return nil, nil
	}
	if err != nil {
		return nil, services.Invalid(map[string]string{name: "brand.error_image"})
	}
	b, err := readPart(fh)
	if err != nil {
		return nil, services.Invalid(map[string]string{name: "brand.error_image"})
	}
	return &b, nil
}

func readPart(fh *multipart.FileHeader) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, 1<<20))
}

type apiBrand struct {
	NameFA       string `json:"name_fa"`
	NameEN       string `json:"name_en"`
	Accent       string `json:"accent"`
	SupportEmail string `json:"support_email"`
	SupportURL   string `json:"support_url"`
	BaseURL      string `json:"base_url"`
	PoweredBy    bool   `json:"powered_by"`
	Logo         bool   `json:"logo"`
	Favicon      bool   `json:"favicon"`
}

type apiPart struct {
	Configured  bool    `json:"configured"`
	LastError   string  `json:"last_error"`
	LastErrorAt *string `json:"last_error_at"`
}

type apiSettings struct {
	Brand apiBrand `json:"brand"`
	Mail  struct {
		apiPart
		From   string `json:"from"`
		Server string `json:"server"`
		Failed int    `json:"failed"`
	} `json:"mail"`
	Payments struct {
		apiPart
		Gateway    string `json:"gateway"`
		VATPercent int    `json:"vat_percent"`
	} `json:"payments"`
	SupportLimits apiSupportLimits `json:"support_limits"`
	Backups       struct {
		PricePercent int    `json:"price_percent"`
		Keep         int    `json:"keep"`
		WindowStart  string `json:"window_start"`
		WindowEnd    string `json:"window_end"`
	} `json:"backups"`
}

func brandJSON(b services.Brand) apiBrand {
	return apiBrand{NameFA: b.NameFA, NameEN: b.NameEN, Accent: b.Accent, SupportEmail: b.SupportEmail, SupportURL: b.SupportURL,
		BaseURL: b.BaseURL, PoweredBy: b.PoweredBy, Logo: b.Logo != nil, Favicon: b.Favicon != nil}
}

// APIAdminSettings is GET /api/v1/admin/settings: the brand and the state of
// mail, payments and backups, without a secret.
func (h *Handlers) APIAdminSettings(c echo.Context) error {
	p, _ := PrincipalOf(c)
	ctx := c.Request().Context()
	parts, err := h.Staff.Parts(ctx, p)
	if err != nil {
		return err
	}
	b, err := h.Brands.Get(ctx)
	if err != nil {
		return services.Internal(err)
	}
	limits, err := h.Staff.SupportLimits(ctx, p)
	if err != nil {
		return err
	}
	row := partsRow(parts)
	var out apiSettings
	out.Brand = brandJSON(b)
	out.SupportLimits = apiSupportLimits{PerActToman: limits.PerActToman, PerDayToman: limits.PerDayToman}
	out.Mail.apiPart = apiPart{Configured: parts.MailOn, LastError: parts.MailLastError, LastErrorAt: optTime(parts.MailLastErrorAt)}
	out.Mail.From, out.Mail.Server, out.Mail.Failed = parts.MailFrom, parts.MailServer, parts.MailFailed
	out.Payments.apiPart = apiPart{Configured: parts.GatewayOn, LastError: parts.PaymentLastError, LastErrorAt: optTime(parts.PaymentLastAt)}
	out.Payments.Gateway, out.Payments.VATPercent = parts.Gateway, parts.VATPercent
	out.Backups.PricePercent, out.Backups.Keep = parts.Backups.PricePercent, parts.Backups.Keep
	out.Backups.WindowStart, out.Backups.WindowEnd = row.BackupWindowFrom, row.BackupTo
	return c.JSON(http.StatusOK, out)
}

type apiBrandInput struct {
	NameFA       *string `json:"name_fa"`
	NameEN       *string `json:"name_en"`
	Accent       *string `json:"accent"`
	SupportEmail *string `json:"support_email"`
	SupportURL   *string `json:"support_url"`
	BaseURL      *string `json:"base_url"`
	PoweredBy    *bool   `json:"powered_by"`
}

// APIAdminSetBrand is PATCH /api/v1/admin/brand: the fields given change
// (an empty string: the setting applies again); the logo and favicon are
// set on the settings page or with `abrak admin brand`.
func (h *Handlers) APIAdminSetBrand(c echo.Context) error {
	p, _ := PrincipalOf(c)
	var in apiBrandInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	b, err := h.Brands.Set(c.Request().Context(), p, services.BrandChange{NameFA: in.NameFA, NameEN: in.NameEN, Accent: in.Accent,
		SupportEmail: in.SupportEmail, SupportURL: in.SupportURL, BaseURL: in.BaseURL, PoweredBy: in.PoweredBy})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, brandJSON(b))
}
