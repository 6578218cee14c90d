package services

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"abrak/store"
)

// Brand is the provider's face: what customers see instead of the
// software's name on every page, letter and document.
type Brand struct {
	NameFA, NameEN string
	// Logo and Favicon are SVG or PNG files (LogoType, FaviconType their
	// MIME types); nil: none, the name is shown alone.
	Logo, Favicon         []byte
	LogoType, FaviconType string
	// Accent is the primary buttons' and links' colour, #rrggbb ("": the house's).
	Accent                   string
	SupportEmail, SupportURL string
	BaseURL                  string
	// PoweredBy shows a discreet "powered by Abrak" line in the footer.
	PoweredBy bool
}

// SoftwareNameFA and SoftwareNameEN are the software's own name: the brand
// when the provider sets none, so a fresh panel looks as it always has.
const (
	SoftwareNameFA = "ابرک"
	SoftwareNameEN = "Abrak"
)

// Name is the brand's name in a language ("fa" or "en"), the other
// language's when only that one is set.
func (b Brand) Name(locale string) string {
	if locale == "en" && b.NameEN != "" || b.NameFA == "" {
		return b.NameEN
	}
	return b.NameFA
}

// Named reports a brand of the provider's own, not the software's name.
func (b Brand) Named() bool {
	return b.NameFA != SoftwareNameFA || b.NameEN != SoftwareNameEN
}

// LogoTag and FaviconTag identify the images' content, for ETags and
// cache-busting URLs ("" without an image).
func (b Brand) LogoTag() string    { return contentTag(b.Logo) }
func (b Brand) FaviconTag() string { return contentTag(b.Favicon) }

func contentTag(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:8])
}

// The brand's limits.
const (
	brandNameMax  = 64
	brandImageMax = 512 << 10
	// minAccentContrast is WCAG's AA ratio for normal text: white text on
	// the accent must stay readable.
	minAccentContrast = 4.5
)

var accentRE = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// AccentProblem is the message key saying what is wrong with an accent
// colour, or "": #rrggbb, dark enough for white text on it.
func AccentProblem(s string) string {
	if !accentRE.MatchString(s) {
		return "brand.error_accent"
	}
	if AccentContrast(s) < minAccentContrast {
		return "brand.error_accent_contrast"
	}
	return ""
}

// AccentContrast is the WCAG contrast ratio of white text on a #rrggbb colour.
func AccentContrast(s string) float64 {
	lin := func(h string) float64 {
		n, _ := strconv.ParseUint(h, 16, 8)
		c := float64(n) / 255
		if c <= 0.03928 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	l := 0.2126*lin(s[1:3]) + 0.7152*lin(s[3:5]) + 0.0722*lin(s[5:7])
	return 1.05 / (l + 0.05)
}

// ImageType is the MIME type of an SVG or PNG file, or an error saying
// what is wrong with it.
func ImageType(b []byte) (string, error) {
	switch {
	case len(b) == 0:
		return "", fmt.Errorf("the file is empty")
	case len(b) > brandImageMax:
		return "", fmt.Errorf("the file is larger than %d KiB", brandImageMax>>10)
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png", nil
	}
	head := bytes.TrimSpace(b[:min(len(b), 4096)])
	if (bytes.HasPrefix(head, []byte("<?xml")) || bytes.HasPrefix(head, []byte("<svg")) || bytes.HasPrefix(head, []byte("<!--"))) &&
		bytes.Contains(b, []byte("<svg")) {
		return "image/svg+xml", nil
	}
	return "", fmt.Errorf("want an SVG or PNG file")
}

// BrandChange is what the settings page changes: a nil field stays as it
// is; an empty text or image removes the page's value, so the setting (or
// the default) applies again.
type BrandChange struct {
	NameFA, NameEN, Accent, SupportEmail, SupportURL, BaseURL *string
	PoweredBy                                                 *bool
	Logo, Favicon                                             *[]byte
}

// Brands keeps the brand: the settings' values under the page's.
type Brands struct {
	db       *store.DB
	audit    *Audit
	settings Brand

	mu       sync.Mutex
	cached   *Brand
	cachedAt time.Time
}

// brandFresh is how long Get keeps the brand before reading it again: a
// change through this panel is seen at once, one made by `abrak admin
// brand` (another process) within this.
const brandFresh = 5 * time.Second

// NewBrands serves the brand; settings are the ABRAK_BRAND_* values (with
// the support and base URL settings), empty names meaning the software's.
func NewBrands(db *store.DB, audit *Audit, settings Brand) *Brands {
	if settings.NameFA == "" && settings.NameEN == "" {
		settings.NameFA, settings.NameEN = SoftwareNameFA, SoftwareNameEN
	}
	return &Brands{db: db, audit: audit, settings: settings}
}

// Get is the brand as customers see it: each field set on the page wins
// over its setting. It is kept in memory for brandFresh (every page asks).
func (s *Brands) Get(ctx context.Context) (Brand, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cached != nil && time.Since(s.cachedAt) < brandFresh {
		return *s.cached, nil
	}
	vals, err := s.db.BrandValues(ctx)
	if err != nil {
		return s.settings, err
	}
	b := mergeBrand(s.settings, vals)
	s.cached, s.cachedAt = &b, time.Now()
	return b, nil
}

// mergeBrand lays the page's values over the settings.
func mergeBrand(b Brand, vals map[string][]byte) Brand {
	text := func(k string, dst *string) {
		if v, ok := vals[k]; ok {
			*dst = string(v)
		}
	}
	text("name_fa", &b.NameFA)
	text("name_en", &b.NameEN)
	text("accent", &b.Accent)
	text("support_email", &b.SupportEmail)
	text("support_url", &b.SupportURL)
	text("base_url", &b.BaseURL)
	if v, ok := vals["powered_by"]; ok {
		b.PoweredBy = string(v) == "1"
	}
	if v, ok := vals["logo"]; ok {
		b.Logo, b.LogoType = v, ""
		b.LogoType, _ = ImageType(v)
	}
	if v, ok := vals["favicon"]; ok {
		b.Favicon = v
		b.FaviconType, _ = ImageType(v)
	}
	return b
}

// Set changes the brand from the settings page: an admin only, each field
// checked (422 naming every bad one), written together and audited.
func (s *Brands) Set(ctx context.Context, p Principal, c BrandChange) (Brand, error) {
	if err := p.RequireAdmin(); err != nil {
		return Brand{}, err
	}
	bad := map[string]string{}
	vals := map[string][]byte{}
	var changed []string
	text := func(field string, v *string, problem func(string) string) {
		if v == nil {
			return
		}
		t := strings.TrimSpace(*v)
		changed = append(changed, field)
		if t == "" {
			vals[field] = nil
			return
		}
		if k := problem(t); k != "" {
			bad[field] = k
			return
		}
		vals[field] = []byte(t)
	}
	name := func(t string) string {
		if utf8.RuneCountInString(t) > brandNameMax || strings.ContainsAny(t, "<>\n\r") {
			return "brand.error_name"
		}
		return ""
	}
	text("name_fa", c.NameFA, name)
	text("name_en", c.NameEN, name)
	text("accent", c.Accent, AccentProblem)
	text("support_email", c.SupportEmail, func(t string) string {
		if a, err := mail.ParseAddress(t); err != nil || a.Address != t {
			return "brand.error_email"
		}
		return ""
	})
	urlProblem := func(t string) string {
		if u, err := url.Parse(t); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return "brand.error_url"
		}
		return ""
	}
	text("support_url", c.SupportURL, urlProblem)
	text("base_url", c.BaseURL, urlProblem)
	image := func(field string, v *[]byte) {
		if v == nil {
			return
		}
		changed = append(changed, field)
		if len(*v) == 0 {
			vals[field] = nil
			return
		}
		if _, err := ImageType(*v); err != nil {
			bad[field] = "brand.error_image"
			return
		}
		vals[field] = *v
	}
	image("logo", c.Logo)
	image("favicon", c.Favicon)
	if c.PoweredBy != nil {
		changed = append(changed, "powered_by")
		vals["powered_by"] = []byte("0")
		if *c.PoweredBy {
			vals["powered_by"] = []byte("1")
		}
	}
	if len(bad) > 0 {
		if bad["accent"] == "brand.error_accent_contrast" {
			return Brand{}, InvalidWith("brand.error_accent_contrast", bad)
		}
		return Brand{}, Invalid(bad)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.db.SetBrandValues(ctx, vals, time.Now()); err != nil {
		return Brand{}, Internal(err)
	}
	s.cached = nil
	s.record(ctx, p, changed)
	cur, err := s.db.BrandValues(ctx)
	if err != nil {
		return Brand{}, Internal(err)
	}
	b := mergeBrand(s.settings, cur)
	s.cached, s.cachedAt = &b, time.Now()
	return b, nil
}

func (s *Brands) record(ctx context.Context, p Principal, fields []string) {
	if s.audit != nil {
		s.audit.Record(ctx, p, "brand.set", SeverityInfo, "brand", "", strings.Join(fields, ","))
	}
}

// NameOr is the provider's own name in a language, or fallback while it has
// none (or s is nil: a service built without the brand).
func (s *Brands) NameOr(ctx context.Context, locale, fallback string) string {
	if s == nil {
		return fallback
	}
	if b, err := s.Get(ctx); err == nil && b.Named() {
		return b.Name(locale)
	}
	return fallback
}

// BaseURLOr is the panel's public address as customers know it, without a
// trailing slash: the brand's when one is set (the page's value, then the
// setting), fallback (ABRAK_BASE_URL) otherwise. Read at each use, so a
// change on the settings page shows in the next link.
func (s *Brands) BaseURLOr(ctx context.Context, fallback string) string {
	if s != nil {
		if b, err := s.Get(ctx); err == nil && b.BaseURL != "" {
			return strings.TrimRight(b.BaseURL, "/")
		}
	}
	return strings.TrimRight(fallback, "/")
}
