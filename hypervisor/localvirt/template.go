package localvirt

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TemplateFiles describes the tiny OS template as scripts/template/build.sh wrote it.
// The current template is disk-based (Format and File set); Kernel, Initrd and Cmdline
// are set only for a direct-boot template.
type TemplateFiles struct {
	Dir         string
	Format      string // "qcow2"
	File        string // absolute path of the base image
	VirtualSize uint64 // bytes; clones are at least this large
	// ISO is the same system as a bootable CD (kernel line abrak.boot=iso).
	ISO     string
	Kernel  string
	Initrd  string
	Cmdline string
}

// Template returns the tiny OS template, building it into <repo>/.cache/template
// first when it is missing or older than its build script.
func Template(t testing.TB) TemplateFiles {
	t.Helper()
	tf, err := BuildTemplate(filepath.Join(RepoRoot(), ".cache", "template"))
	if err != nil {
		t.Fatalf("%v", err)
	}
	return tf
}

// BuildTemplate builds (or reuses) the template in dir and reads its template.env.
func BuildTemplate(dir string) (TemplateFiles, error) {
	envPath, err := runScript(nil, "scripts/template/build.sh", dir)
	if err != nil {
		return TemplateFiles{}, err
	}
	return readTemplateEnv(envPath)
}

func readTemplateEnv(envPath string) (TemplateFiles, error) {
	f, err := os.Open(envPath)
	if err != nil {
		return TemplateFiles{}, fmt.Errorf("localvirt: %w", err)
	}
	defer f.Close()
	dir := filepath.Dir(envPath)
	abs := func(name string) string {
		if name == "" || filepath.IsAbs(name) {
			return name
		}
		return filepath.Join(dir, name)
	}
	tf := TemplateFiles{Dir: dir}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		key, value, ok := strings.Cut(line, "=")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		value = strings.Trim(value, `"'`)
		switch key {
		case "FORMAT":
			tf.Format = value
		case "FILE":
			tf.File = abs(value)
		case "ISO_FILE":
			tf.ISO = abs(value)
		case "VIRTUAL_SIZE":
			tf.VirtualSize, _ = strconv.ParseUint(value, 10, 64)
		case "KERNEL":
			tf.Kernel = abs(value)
		case "INITRD":
			tf.Initrd = abs(value)
		case "CMDLINE":
			tf.Cmdline = value
		}
	}
	if err := sc.Err(); err != nil {
		return TemplateFiles{}, fmt.Errorf("localvirt: %s: %w", envPath, err)
	}
	if tf.File == "" && tf.Kernel == "" {
		return TemplateFiles{}, fmt.Errorf("localvirt: %s names neither FILE nor KERNEL", envPath)
	}
	return tf, nil
}
