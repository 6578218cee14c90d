package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"abrak/services"
	"abrak/store"
)

// adminBrand shows the brand customers see (the settings' values under the
// settings page's) and, given flags, changes the page's values as an admin
// would on the page: the same checks, the same audit.
func adminBrand(ctx context.Context, args []string, out io.Writer) error {
	cmd := newCommand("admin brand")
	as := cmd.String("as", "", "the admin (e-mail) the change is recorded under; needed to change anything")
	texts := map[string]*string{}
	for _, f := range []struct{ name, usage string }{
		{"name-fa", "the provider's name in Persian"}, {"name-en", "the provider's name in English"},
		{"accent", "the accent colour, #rrggbb"}, {"support-email", "support's e-mail address"},
		{"support-url", "support's web page"}, {"base-url", "the panel's public address"},
		{"logo", "the path of an SVG or PNG logo"}, {"favicon", "the path of an SVG or PNG favicon"},
	} {
		texts[f.name] = cmd.String(f.name, "", f.usage+" (an empty value gives the setting back)")
	}
	poweredBy := cmd.String("powered-by", "", `true or false: the "powered by Abrak" line`)
	asJSON := cmd.Bool("json", false, "print the brand as JSON")
	db, err := cmd.open(ctx, args, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	settings, err := brandOf(cmd.config)
	if err != nil {
		return err
	}
	brands := services.NewBrands(db, services.NewAudit(db, newLogger(cmd.LogFormat, os.Stderr)), settings)
	var change services.BrandChange
	changed := false
	var readErr error
	cmd.Visit(func(f *flag.Flag) {
		v := f.Value.String()
		switch f.Name {
		case "name-fa":
			change.NameFA = &v
		case "name-en":
			change.NameEN = &v
		case "accent":
			change.Accent = &v
		case "support-email":
			change.SupportEmail = &v
		case "support-url":
			change.SupportURL = &v
		case "base-url":
			change.BaseURL = &v
		case "logo", "favicon":
			var b []byte
			if v != "" {
				if b, err = os.ReadFile(v); err != nil {
					readErr = fmt.Errorf("--%s: %w", f.Name, err)
				}
			}
			if f.Name == "logo" {
				change.Logo = &b
			} else {
				change.Favicon = &b
			}
		case "powered-by":
			on, err := strconv.ParseBool(*poweredBy)
			if err != nil {
				readErr = errors.New("--powered-by: want true or false")
			}
			change.PoweredBy = &on
		default:
			return
		}
		changed = true
	})
	if readErr != nil {
		return readErr
	}
	b, err := brands.Get(ctx)
	if err != nil {
		return err
	}
	if changed {
		u, err := db.UserByEmail(ctx, strings.ToLower(strings.TrimSpace(*as)))
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("admin brand: --as %q is no user; name the admin the change is recorded under", *as)
		} else if err != nil {
			return err
		}
		if b, err = brands.Set(ctx, services.Principal{UserID: u.ID, PersonID: u.ID, Email: u.Email, IsAdmin: u.IsAdmin}, change); err != nil {
			return errors.New(strings.ReplaceAll(explain(err).Error(), "_", "-"))
		}
	}
	view := map[string]any{"name_fa": b.NameFA, "name_en": b.NameEN, "accent": b.Accent, "support_email": b.SupportEmail,
		"support_url": b.SupportURL, "base_url": b.BaseURL, "powered_by": b.PoweredBy,
		"logo": b.LogoType, "logo_bytes": len(b.Logo), "favicon": b.FaviconType, "favicon_bytes": len(b.Favicon)}
	if *asJSON {
		return json.NewEncoder(out).Encode(view)
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	for _, k := range []string{"name_fa", "name_en", "accent", "support_email", "support_url", "base_url", "powered_by", "logo", "favicon"} {
		fmt.Fprintf(tw, "%s\t%v\n", strings.ReplaceAll(k, "_", "-"), view[k])
	}
	return tw.Flush()
}
