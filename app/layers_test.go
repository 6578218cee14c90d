package app_test

import (
	"go/build"
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
