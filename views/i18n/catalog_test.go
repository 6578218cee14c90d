package i18n

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"abrak/services"
	"abrak/store"
	"abrak/vmstatus"
)

var (
	placeholder = regexp.MustCompile(`\{([A-Za-z0-9_]+)\}`)
	keyShape    = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$`)
)

func TestMissingTranslations(t *testing.T) {
	c := loadCatalog()
	for _, err := range c.problems {
		t.Errorf("catalog: %v", err)
	}
	for _, a := range Supported {
		for key, msg := range c.messages[a] {
			if !keyShape.MatchString(key) {
				t.Errorf("%s: key %q is not lower-case dotted (area.name)", c.origin[a][key], key)
			}
			if strings.TrimSpace(msg) == "" {
				t.Errorf("%s: %q is empty", c.origin[a][key], key)
			}
			for _, b := range Supported {
				if a == b {
					continue
				}
				other, ok := c.messages[b][key]
				if !ok {
					t.Errorf("%q (from %s) is missing in locale %s", key, c.origin[a][key], b)
					continue
				}
				if pa, pb := placeholders(msg), placeholders(other); !slices.Equal(pa, pb) {
					t.Errorf("%q: placeholders %v in %s but %v in %s", key, pa, a, pb, b)
				}
			}
		}
	}
}

func placeholders(msg string) []string {
	var names []string
	for _, m := range placeholder.FindAllStringSubmatch(msg, -1) {
		names = append(names, m[1])
	}
	slices.Sort(names)
	return slices.Compact(names)
}

func TestCatalogReportsDuplicatesAndBadFiles(t *testing.T) {
	fsys := fstest.MapFS{
		"locales/fa/a.json":   {Data: []byte(`{"x.one": "یک", "x.two": "دو"}`)},
		"locales/fa/b.json":   {Data: []byte(`{"x.one": "باز هم یک"}`)},
		"locales/en/a.json":   {Data: []byte(`{"x.one": "one", "x.one": "again"}`)},
		"locales/en/b.json":   {Data: []byte(`{"x.two": 2}`)},
		"locales/en/c.json":   {Data: []byte(`["x.three"]`)},
		"locales/en/ok.json":  {Data: []byte(`{"x.four": "four"}`)},
		"locales/de/de.json":  {Data: []byte(`{"x.one": "eins"}`)},
		"locales/en/README":   {Data: []byte(`not a catalog`)},
		"locales/fa/sub/x.js": {Data: []byte(`{}`)},
	}
	c := readCatalog(fsys)
	var got []string
	for _, err := range c.problems {
		got = append(got, err.Error())
	}
	want := []string{
		`locales/fa/b.json: key "x.one" already defined in locales/fa/a.json`,
		`locales/en/a.json: key "x.one" repeated`,
		`locales/en/b.json: key "x.two": value must be a string`,
		`locales/en/c.json: want a JSON object of key → string`,
	}
	if len(got) != len(want) {
		t.Fatalf("problems = %q, want %d matching %q", got, len(want), want)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("problem %d = %q, want it to start with %q", i, got[i], want[i])
		}
	}
	if c.messages[FA]["x.one"] != "یک" {
		t.Errorf("the first definition of a duplicated key must win, got %q", c.messages[FA]["x.one"])
	}
	if c.messages[EN]["x.four"] != "four" {
		t.Errorf("a good file must load even when its neighbours are broken")
	}
}

// The error handler builds "error." + code; these are the stable codes.
func TestErrorCodesTranslated(t *testing.T) {
	for _, code := range []string{
		"not_found", "internal", "forbidden", "unauthorized", "validation",
		"rate_limited", "csrf", "unavailable", "conflict", "bad_request",
	} {
		if !Has("error." + code) {
			t.Errorf("error.%s is not translated", code)
		}
	}
}

// Keys written literally in the HTTP-facing packages must be in the catalog,
// so a typo fails here instead of showing on a page. The scan sees the key of
// every T call (i18n.T(l, "key"), shell.T("key")), and every other string
// literal shaped like a key under a prefix the catalog already uses. Audit
// event actions ("auth.signout") count when "audit." + action is a key,
// because that is how the activity page shows them.
var (
	tCall       = regexp.MustCompile(`\bT\(\s*[^,"]+,\s*"([^"]+)"\s*[,)]`)
	tMethodCall = regexp.MustCompile(`\.T\(\s*"([^"]+)"\s*[,)]`)
	keyLiteral  = regexp.MustCompile(`"([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)"`)
	fileExt     = regexp.MustCompile(`\.(css|js|json|html|svg|png|ico|woff2?|txt|map|db|sql|go|templ)$`)
)

func keysIn(src string) []string {
	var keys []string
	for _, re := range []*regexp.Regexp{tCall, tMethodCall} {
		for _, m := range re.FindAllStringSubmatch(src, -1) {
			keys = append(keys, m[1])
		}
	}
	prefixes := map[string]bool{}
	for key := range loadCatalog().messages[FA] {
		prefixes[key[:strings.IndexByte(key, '.')]] = true
	}
	for _, m := range keyLiteral.FindAllStringSubmatch(src, -1) {
		if prefixes[m[1][:strings.IndexByte(m[1], '.')]] && !fileExt.MatchString(m[1]) {
			keys = append(keys, m[1])
		}
	}
	return keys
}

func TestKeysUsedInCodeExist(t *testing.T) {
	root := filepath.Join("..", "..")
	for _, dir := range []string{"views", "handlers", "web", "services"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if os.IsNotExist(err) {
					return nil
				}
				return err
			}
			name := d.Name()
			if d.IsDir() {
				if name == "i18n" {
					return fs.SkipDir
				}
				return nil
			}
			if strings.HasSuffix(name, "_test.go") || !(strings.HasSuffix(name, ".go") || strings.HasSuffix(name, ".templ")) {
				return nil
			}
			src, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			for _, key := range keysIn(string(src)) {
				if !Has(key) && !Has("audit."+key) {
					t.Errorf("%s uses key %q, which is not in every catalog", p, key)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestT(t *testing.T) {
	tests := []struct {
		l    Locale
		key  string
		args []string
		want string
	}{
		{FA, "app.name", nil, "ابرک"},
		{EN, "app.name", nil, "Abrak"},
		{FA, "nav.vms", nil, "سرورها"},
		{EN, "auth.invalid_credentials", nil, "Email or password is incorrect."},
		{EN, "auth.too_many_attempts", []string{"seconds", Number(EN, 30)}, "Too many attempts. Try again in 30 seconds."},
		{FA, "auth.too_many_attempts", []string{"seconds", Number(FA, 30)}, "تعداد تلاش‌ها بیش از حد مجاز است. ۳۰ ثانیهٔ دیگر دوباره امتحان کنید."},
		{FA, "form.password_rule", []string{"min", Number(FA, 10)}, "دست‌کم ۱۰ نویسه."},
		{EN, "error.rate_limited", []string{"seconds", "12"}, "Too many requests. Try again in 12 seconds."},
		{EN, "error.csrf", nil, "Your session form expired; reload the page and try again."},
		{EN, "tokens.created_title", []string{"name", "{name} and {name}"}, "Your new token “{name} and {name}”"},
		{EN, "app.name", []string{"unpaired"}, "Abrak"},
		{Locale(""), "app.name", nil, "ابرک"},
		{Locale("de"), "nav.wallet", nil, "کیف پول"},
	}
	for _, tt := range tests {
		if got := T(tt.l, tt.key, tt.args...); got != tt.want {
			t.Errorf("T(%q, %q, %q) = %q, want %q", tt.l, tt.key, tt.args, got, tt.want)
		}
	}
}

func TestMissingKeyShowsKeyAndIsReported(t *testing.T) {
	const key = "page.no_such_page.title"
	if Has(key) {
		t.Fatalf("%s unexpectedly exists", key)
	}
	if got := T(EN, key); got != key {
		t.Errorf("T of a missing key = %q, want the key itself", got)
	}
	if !slices.Contains(Missing(), key) {
		t.Errorf("Missing() = %q, want it to list %q", Missing(), key)
	}
}

func TestKeyScanSeesTemplAndGoCalls(t *testing.T) {
	src := `msg := i18n.T(loc(c), "auth.too_many_attempts", "seconds", s)
	sev := s.T("severity." + e.Severity)
	x := fmt.Sprintf("%s", "not.a.key")
	in.GET("/vms", h.Empty("nav.vms", "vms", "empty.vms"))
	@Field(s, f, "email", "form.email", "email", "username")
	<link rel="stylesheet" href={ Asset("app.css") }/>
	<a href="https://abrak.example">{ s.T("newarea.title") }</a>`
	want := []string{"auth.too_many_attempts", "newarea.title", "auth.too_many_attempts", "nav.vms", "empty.vms", "form.email"}
	if got := keysIn(src); !slices.Equal(got, want) {
		t.Errorf("scan found %q, want %q", got, want)
	}
}

// Every status of the vocabulary has a name in every locale, and the refusal of
// an unknown status filter lists them all.
func TestEveryVMStatusIsNamed(t *testing.T) {
	for _, l := range Supported {
		list := T(l, "vm.status_invalid")
		for _, st := range vmstatus.All {
			if !Has("vm.status." + string(st)) {
				t.Errorf("no vm.status.%s", st)
			}
			if !strings.Contains(list, string(st)) {
				t.Errorf("%s: vm.status_invalid does not list %s", l, st)
			}
		}
	}
}

// Every reason an action can fail for has words in every locale.
func TestEveryActionErrorIsWorded(t *testing.T) {
	for _, k := range services.ActionErrors {
		if !Has(k) {
			t.Errorf("no message for action error %s", k)
		}
	}
}

// Every state of a top-up shown on the wallet page has words in every locale.
func TestEveryTopUpStatusIsWorded(t *testing.T) {
	for _, st := range store.TopUpStatuses {
		if !Has("wallet.topup_status." + st) {
			t.Errorf("no words for top-up status %s", st)
		}
	}
}

// Every reason a top-up fails for has words in every locale.
func TestEveryTopUpReasonIsWorded(t *testing.T) {
	for _, r := range services.TopUpReasons {
		if !Has("wallet.reason." + r) {
			t.Errorf("no words for top-up reason %s", r)
		}
	}
}

// Every letter Abrak sends has a subject, a body and (for its link) an action
// in every locale.
func TestEveryLetterIsWorded(t *testing.T) {
	for _, k := range services.MailKinds {
		for _, part := range []string{"subject", "body", "action"} {
			if !Has("mail." + k + "." + part) {
				t.Errorf("no words for mail.%s.%s", k, part)
			}
		}
	}
}

// dynamicPrefixes are the keys code builds from data: a status, an action, a
// scope, a severity… Every other key must be written somewhere in the source.
var dynamicPrefixes = []string{
	"vm.status.", "vm.power.", "vm.confirm.", "vm.action.", "vm.action_status.", "audit.", "severity.",
	"action.error.", "error.", "tokens.scope.", "wallet.kind.", "wallet.topup_status.", "wallet.reason.", "mail.verify.", "mail.reset.", "mail.vm_ready.", "mail.low_balance", "mail.unpaid_off.", "mail.suspended.", "mail.delete_warning.", "mail.deleted_unpaid.", "mail.topup.", "mail.replica_behind.", "mail.replica_caught_up.", "mail.vm_moved", "mail.team_invite.", "mail.alert_", "team.role.", "team.role_help.", "error.role_forbidden.", "apidocs.", "time.",
	"backup.kind.", "backup.consistency.",
	"webhooks.event.", "webhooks.delivery.", "mail.webhook_disabled.",
}

// Keys nobody uses are dead weight that go stale ("coming soon" for something
// long built): each key of the catalog is written in some source file, or comes
// from one of the prefixes code builds keys from.
func TestEveryCatalogKeyIsUsed(t *testing.T) {
	var src strings.Builder
	root := filepath.Join("..", "..")
	for _, dir := range []string{"views", "views/i18n", "handlers", "web", "services", "static/src", "."} {
		entries, err := os.ReadDir(filepath.Join(root, dir))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			name := e.Name()
			if e.IsDir() || strings.HasSuffix(name, "_test.go") || strings.HasSuffix(name, "_templ.go") ||
				!(strings.HasSuffix(name, ".go") || strings.HasSuffix(name, ".templ") || strings.HasSuffix(name, ".js") || strings.HasSuffix(name, ".mjs") || name == "openapi.json") {
				continue
			}
			b, err := os.ReadFile(filepath.Join(root, dir, name))
			if err != nil {
				t.Fatal(err)
			}
			src.Write(b)
		}
	}
	all := src.String()
	for key := range loadCatalog().messages[FA] {
		dynamic := false
		for _, p := range dynamicPrefixes {
			dynamic = dynamic || strings.HasPrefix(key, p)
		}
		if !dynamic && !strings.Contains(all, `"`+key+`"`) {
			t.Errorf("catalog key %s is used nowhere", key)
		}
	}
}

// One word for each thing: a Persian message that says «گذرواژه» where every
// other says «رمز عبور» reads as a second kind of secret, and «تغییر اندازه»
// beside «تغییر طرح» as a second operation.
func TestOneWordForEachThing(t *testing.T) {
	avoid := map[string]string{"گذرواژه": "رمز عبور", "تغییر اندازه": "تغییر طرح"}
	for key, m := range loadCatalog().messages[FA] {
		for word, use := range avoid {
			if strings.Contains(m, word) {
				t.Errorf("%s says %q; the panel's word is %q", key, word, use)
			}
		}
	}
}
