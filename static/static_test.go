package static

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The embedded assets are built by `make frontend`; these tests fail on a tree where
// that build did not run or produced something the pages cannot use.

func readAsset(t *testing.T, name string) []byte {
	t.Helper()
	data, err := fs.ReadFile(FS(), name)
	if err != nil {
		t.Fatalf("%s is not embedded (run `make frontend`): %v", name, err)
	}
	if len(data) == 0 {
		t.Fatalf("%s is empty", name)
	}
	return data
}

func TestBuiltAssetsAreEmbedded(t *testing.T) {
	for _, name := range []string{"app.css", "app.js", "console.js"} {
		readAsset(t, name)
	}
	font := readAsset(t, "fonts/Vazirmatn-Variable.woff2")
	if !bytes.HasPrefix(font, []byte("wOF2")) {
		t.Errorf("fonts/Vazirmatn-Variable.woff2 is not a woff2 file")
	}
}

func TestStylesheetLoadsVazirmatn(t *testing.T) {
	css := string(readAsset(t, "app.css"))
	face := regexp.MustCompile(`@font-face\{[^}]*font-family:"?Vazirmatn"?[^}]*url\(/static/([^)]+)\)`).FindStringSubmatch(css)
	if face == nil {
		t.Fatal("app.css has no @font-face for Vazirmatn")
	}
	if _, err := fs.Stat(FS(), face[1]); err != nil {
		t.Errorf("@font-face points at /static/%s, which is not embedded", face[1])
	}
	if !regexp.MustCompile(`font-family:Vazirmatn,`).MatchString(css) {
		t.Error("the sans font stack does not start with Vazirmatn")
	}
}

func TestStylesheetHasComponentClasses(t *testing.T) {
	css := string(readAsset(t, "app.css"))
	for _, class := range []string{
		"btn", "btn-primary", "btn-secondary", "btn-danger", "input", "label", "field-error", "card",
		"badge", "badge-running", "badge-stopped", "badge-creating", "badge-failed",
		"badge-paused", "badge-suspended", "badge-destroyed",
		"flash-error", "flash-success", "table", "table-wrap", "nav-link", "nav-link-active",
	} {
		if !regexp.MustCompile(`\.` + class + `[{,:\s]`).MatchString(css) {
			t.Errorf("app.css lacks .%s", class)
		}
	}
	// The components are written with logical properties so rtl and ltr share them.
	for _, decl := range []string{"text-align:start", "border-inline-start-width:4px"} {
		if !strings.Contains(css, decl) {
			t.Errorf("app.css lacks %q", decl)
		}
	}
}

// Every logical spacing or alignment utility written in a view's class attribute must
// have been generated, or rtl and ltr pages would silently lose their spacing.
func TestStylesheetHasLogicalUtilitiesUsedByViews(t *testing.T) {
	css := string(readAsset(t, "app.css"))
	classAttr := regexp.MustCompile(`class="([^"]*)"`)
	logical := regexp.MustCompile(`^(?:-?(?:ms|me|ps|pe|start|end)-[0-9.]+|text-(?:start|end)|border-[se](?:-[0-9]+)?|rounded-[se](?:-[a-z0-9]+)?)$`)
	seen := map[string]bool{}
	err := filepath.WalkDir(filepath.Join("..", "views"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".templ" {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range classAttr.FindAllStringSubmatch(string(src), -1) {
			for _, class := range strings.Fields(m[1]) {
				if logical.MatchString(class) && !seen[class] {
					seen[class] = true
					selector := "." + strings.ReplaceAll(class, ".", `\.`) + "{"
					if !strings.Contains(css, selector) {
						t.Errorf("%s uses %s, which app.css lacks (rebuild with `make frontend`)", path, class)
					}
				}
			}
		}
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
}

func TestPathAddsContentHash(t *testing.T) {
	css, js := Path("app.css"), Path("app.js")
	if !regexp.MustCompile(`^/static/app\.css\?v=[0-9a-f]{8}$`).MatchString(css) {
		t.Errorf("Path(app.css) = %q", css)
	}
	if css[len(css)-8:] == js[len(js)-8:] {
		t.Errorf("app.css and app.js got the same version %q", css)
	}
	if again := Path("app.css"); again != css {
		t.Errorf("Path(app.css) changed between calls: %q then %q", css, again)
	}
	if got := Path("fonts/Vazirmatn-Variable.woff2"); !strings.HasPrefix(got, "/static/fonts/Vazirmatn-Variable.woff2?v=") {
		t.Errorf("Path of the font = %q", got)
	}
	if got := Path("missing.js"); got != "/static/missing.js" {
		t.Errorf("Path(missing.js) = %q, want it unversioned", got)
	}
}
