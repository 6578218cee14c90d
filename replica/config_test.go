package replica

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReplicaURLsAreADirectoryOrAnSFTPTargetOneOrMoreCommaSeparated(t *testing.T) {
	wd, _ := os.Getwd()
	urls, err := ParseURLs(" /srv/abrak-replica , file:///mnt/share/abrak,sftp://backup:s3cr%2Ct@replica.example:2222/srv/abrak,relative/dir,")
	if err != nil {
		t.Fatal(err)
	}
	if len(urls) != 4 {
		t.Fatalf("four targets, got %q", urls)
	}
	want := []spec{
		{kind: "file", path: "/srv/abrak-replica", redacted: "file:///srv/abrak-replica"},
		{kind: "file", path: "/mnt/share/abrak", redacted: "file:///mnt/share/abrak"},
		{kind: "sftp", path: "/srv/abrak", host: "replica.example:2222", user: "backup", password: "s3cr,t",
			redacted: "sftp://backup:xxxxx@replica.example:2222/srv/abrak"},
		{kind: "file", path: filepath.Join(wd, "relative/dir"), redacted: "file://" + filepath.Join(wd, "relative/dir")},
	}
	for i, u := range urls {
		s, err := parseTarget(u)
		if err != nil || s != want[i] {
			t.Errorf("%q: %+v, %v; want %+v", u, s, err, want[i])
		}
	}
	if s, _ := parseTarget("sftp://backup@replica.example/srv/abrak"); s.host != "replica.example:22" {
		t.Errorf("an SFTP target without a port is on port 22: %+v", s)
	}
	if urls, err := ParseURLs("  "); err != nil || len(urls) != 0 {
		t.Errorf("an empty setting is no replica: %q, %v", urls, err)
	}
}

func TestABadReplicaURLIsRefusedNamingItWithoutItsPassword(t *testing.T) {
	for raw, want := range map[string]string{
		"s3://bucket/abrak":                     `scheme "s3" is not one of file, sftp`,
		"sftp://replica.example/srv/abrak":      "no user",
		"sftp://backup:hunter2@replica.example": "sftp://backup:xxxxx@replica.example: no directory on the server",
		"sftp://backup:hunter2@:22/srv":         "no host",
		"file://otherhost/srv/abrak":            "a file URL names a local directory",
		"/srv/a,/srv/a":                         "named twice",
		"sftp://backup:hunter2@host/%zz":        "invalid URL escape",
	} {
		_, err := ParseURLs(raw)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v; want an error saying %q", raw, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%q: the error shows the password: %v", raw, err)
		}
	}
}

func TestAnSFTPReplicaWhoseServerIsNotInKnownHostsOrHasNoLoginIsRefusedAtStart(t *testing.T) {
	dir := t.TempDir()
	known := filepath.Join(dir, "known_hosts")
	writeFile(t, known, "[other.example]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKbd506rpnrNpe2hhSCWpOWwlH+vv82jvRtMWqQUdr/f\n")
	key := filepath.Join(dir, "key")
	writeKey(t, key, newEd25519(t))
	db := filepath.Join(dir, "abrak.db")
	for name, c := range map[string]struct {
		cfg  Config
		want string
	}{
		"unknown host": {Config{URLs: []string{"sftp://backup@replica.example:2222/srv"}, SFTPKey: key, SFTPKnownHosts: known},
			"host replica.example:2222 has no key in " + known + " (add it: ssh-keyscan -p 2222 replica.example"},
		"no known_hosts": {Config{URLs: []string{"sftp://backup@replica.example:2222/srv"}, SFTPKey: key, SFTPKnownHosts: filepath.Join(dir, "none")},
			"known_hosts"},
		"no login": {Config{URLs: []string{"sftp://backup@other.example:2222/srv"}, SFTPKnownHosts: known},
			"no way to log in"},
		"no key file": {Config{URLs: []string{"sftp://backup@other.example:2222/srv"}, SFTPKey: filepath.Join(dir, "nokey"), SFTPKnownHosts: known},
			"SFTP key"},
	} {
		r, err := Start(context.Background(), db, c.cfg, quietLog())
		if err == nil {
			r.Close()
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want an error saying %q", name, err, c.want)
		}
	}
}
