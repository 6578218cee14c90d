package localvirt

import (
	"os"
	"path/filepath"
	"runtime"
)

// RepoRoot finds the folder holding go.mod, walking up from the working directory
// (go test runs in the package's folder). When the working directory is outside the
// repository it walks up from this source file instead; "" if neither finds one.
func RepoRoot() string {
	if wd, err := os.Getwd(); err == nil {
		if root := findGoMod(wd); root != "" {
			return root
		}
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		return findGoMod(filepath.Dir(file))
	}
	return ""
}

func findGoMod(dir string) string {
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}
