package app_test

import (
	"errors"
	"go/build"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The arrows point one way: main → cli → app → web → handlers → services →
// {store, hypervisor}; handlers → views. Each package here imports none of
// those it must not (its tests may).
func TestTheLayersPointOneWay(t *testing.T) {
	forbidden := map[string][]string{
		"web":        {"abrak/app", "abrak/cli", "abrak/store", "abrak/hypervisor"},
		"handlers":   {"abrak/app", "abrak/cli", "abrak/web", "abrak/store", "abrak/hypervisor"},
		"services":   {"abrak/app", "abrak/cli", "abrak/web", "abrak/handlers", "abrak/views"},
		"views":      {"abrak/app", "abrak/cli", "abrak/web", "abrak/handlers", "abrak/services", "abrak/store", "abrak/hypervisor"},
		"store":      {"abrak/app", "abrak/cli", "abrak/web", "abrak/handlers", "abrak/services", "abrak/hypervisor", "net/http"},
		"hypervisor": {"abrak/app", "abrak/cli", "abrak/web", "abrak/handlers", "abrak/services", "abrak/store", "net/http"},
		"app":        {"abrak/cli"},
		// The Go client is what customers import: it stands alone, the API its only tie.
		// abrakctl reaches the panel through the client only.
		"ctl":    {"abrak/app", "abrak/cli", "abrak/web", "abrak/handlers", "abrak/services", "abrak/views", "abrak/store", "abrak/hypervisor"},
		"client": {"abrak/app", "abrak/cli", "abrak/web", "abrak/handlers", "abrak/services", "abrak/views", "abrak/store", "abrak/hypervisor", "abrak/vmstatus"},
	}
	for dir, not := range forbidden {
		pkg, err := build.ImportDir("../"+dir, 0)
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		for _, imp := range pkg.Imports {
			if slices.Contains(not, imp) || strings.HasPrefix(imp, "abrak/") && slices.ContainsFunc(not, func(n string) bool { return strings.HasPrefix(imp, n+"/") }) {
				t.Errorf("%s imports %s", dir, imp)
			}
		}
	}
}

// testkit is test support: a package the binary is built from never imports
// it, so no fake and no test setting can reach production (tests may).
func TestNoProductionPackageImportsTheTestKit(t *testing.T) {
	root := ".."
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "testdata" || name == "testkit") {
			return filepath.SkipDir
		}
		pkg, err := build.ImportDir(path, 0)
		if err != nil {
			var none *build.NoGoError
			if errors.As(err, &none) {
				return nil
			}
			return err
		}
		if slices.Contains(pkg.Imports, "abrak/testkit") {
			t.Errorf("%s imports abrak/testkit outside its tests", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
