package localvirt

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// runScript runs one of the repository's scripts, with env added to this process's
// environment, and returns the last line it printed.
// The QEMU capability probe is shared through the repository's cache, so only the
// first daemon of a machine pays for it.
func runScript(env []string, rel string, args ...string) (string, error) {
	root := RepoRoot()
	if root == "" {
		return "", fmt.Errorf("localvirt: no go.mod above the working directory")
	}
	cmd := exec.Command(filepath.Join(root, rel), args...)
	cmd.Env = append(os.Environ(), env...)
	if os.Getenv("LIBVIRT_CAPS_CACHE") == "" {
		cmd.Env = append(cmd.Env, "LIBVIRT_CAPS_CACHE="+filepath.Join(root, ".cache", "libvirt-caps"))
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("localvirt: %s %s: %w\n%s", rel, strings.Join(args, " "), err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	return strings.TrimSpace(lines[len(lines)-1]), nil
}
