package services

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"abrak/store"
)

func newBrands(t *testing.T, settings Brand) *Brands {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "abrak.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return NewBrands(db, NewAudit(db, slog.New(slog.DiscardHandler)), settings)
}

func ptr[T any](v T) *T { return &v }

var brandAdmin = Principal{UserID: 1, IsAdmin: true}

func TestBrandDefaultIsTheSoftwaresName(t *testing.T) {
	b, err := newBrands(t, Brand{PoweredBy: true}).Get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if b.Name("fa") != "ابرک" || b.Name("en") != "Abrak" || b.Named() {
		t.Errorf("default brand = %q/%q named=%v, want the software's name", b.NameFA, b.NameEN, b.Named())
	}
}

func TestBrandPageValueWinsOverSetting(t *testing.T) {
	ctx := context.Background()
	s := newBrands(t, Brand{NameFA: "ابر تنظیم", NameEN: "Setting Cloud", Accent: "#1d4ed8", PoweredBy: true})
	got, err := s.Set(ctx, brandAdmin, BrandChange{NameEN: ptr("Page Cloud"), PoweredBy: ptr(false)})
	if err != nil {
		t.Fatal(err)
	}
	if got.NameEN != "Page Cloud" || got.NameFA != "ابر تنظیم" || got.Accent != "#1d4ed8" || got.PoweredBy {
		t.Errorf("after Set: %+v, want the page's English name and powered-by off over the settings", got)
	}
	if b, _ := s.Get(ctx); b.NameEN != "Page Cloud" {
		t.Errorf("Get = %q, want the page's value", b.NameEN)
	}
	// An emptied field gives the setting back.
	if b, err := s.Set(ctx, brandAdmin, BrandChange{NameEN: ptr("")}); err != nil || b.NameEN != "Setting Cloud" {
		t.Errorf("emptied: %q %v, want the setting again", b.NameEN, err)
	}
}

func TestBrandSetRefusesBadFieldsNamingEach(t *testing.T) {
	s := newBrands(t, Brand{})
	_, err := s.Set(context.Background(), brandAdmin, BrandChange{
		Accent: ptr("#ffff00"), SupportEmail: ptr("not mail"), SupportURL: ptr("ftp://x"),
		Logo: ptr([]byte("GIF89a")), NameFA: ptr("<script>"),
	})
	var e *Error
	if !errors.As(err, &e) || e.Status != http.StatusUnprocessableEntity {
		t.Fatalf("err = %v, want a 422", err)
	}
	want := map[string]string{"accent": "brand.error_accent_contrast", "support_email": "brand.error_email",
		"support_url": "brand.error_url", "logo": "brand.error_image", "name_fa": "brand.error_name"}
	for f, k := range want {
		if e.Fields[f] != k {
			t.Errorf("field %s: %q, want %q", f, e.Fields[f], k)
		}
	}
	if e.Key != "brand.error_accent_contrast" {
		t.Errorf("message %q, want the contrast named", e.Key)
	}
	if _, err := s.Set(context.Background(), brandAdmin, BrandChange{Accent: ptr("blue")}); AsError(err).Fields["accent"] != "brand.error_accent" {
		t.Errorf("accent blue: %v, want brand.error_accent", err)
	}
	if b, _ := s.Get(context.Background()); b.Accent != "" {
		t.Errorf("a refused change was kept: %+v", b)
	}
}

func TestBrandSetIsAnAdminsOnly(t *testing.T) {
	_, err := newBrands(t, Brand{}).Set(context.Background(), Principal{UserID: 2}, BrandChange{NameEN: ptr("X")})
	if AsError(err).Status != http.StatusForbidden {
		t.Errorf("a customer's Set: %v, want 403", err)
	}
}

func TestBrandLogoStoredAndTyped(t *testing.T) {
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>`)
	b, err := newBrands(t, Brand{}).Set(context.Background(), brandAdmin, BrandChange{Logo: &svg})
	if err != nil || b.LogoType != "image/svg+xml" || b.LogoTag() == "" {
		t.Errorf("logo: %q %q %v", b.LogoType, b.LogoTag(), err)
	}
}

func TestAccentContrast(t *testing.T) {
	for accent, want := range map[string]string{"#0369a1": "", "#000000": "", "#ffffff": "brand.error_accent_contrast",
		"#38bdf8": "brand.error_accent_contrast", "#12345": "brand.error_accent", "123456": "brand.error_accent"} {
		if got := AccentProblem(accent); got != want {
			t.Errorf("AccentProblem(%s) = %q, want %q (contrast %.2f)", accent, got, want, AccentContrast(accent+"0000000"[:max(0, 7-len(accent))]))
		}
	}
}

// An authenticator app lists the provider's name, not the software's, once
// the provider has a brand.
func TestTOTPIssuerIsTheBrand(t *testing.T) {
	a, db, _ := newAccounts(t)
	u := signUp(t, a, "ana@example.com")
	p := Principal{UserID: u.ID, Email: u.Email}
	a.Brands = NewBrands(db, nil, Brand{NameFA: "ابر نمونه", NameEN: "Sample Cloud"})
	en, err := a.BeginTOTP(context.Background(), p)
	if err != nil || !strings.Contains(en.URL, "issuer=Sample") || strings.Contains(en.URL, "Abrak") {
		t.Errorf("TOTP URL %q (%v), want the brand as issuer", en.URL, err)
	}
}
