package web_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"abrak/app"
	"abrak/replica"
	"abrak/services"
	"abrak/testkit"
)

// With replicas set, the panel replicates its database as it serves: /readyz
// lists each replica with how far behind it is and why, without calling the
// panel unready for it; /metrics has their gauges; and the operator is mailed
// when one fails (here an SFTP server that does not answer), once.
func TestTheOperatorIsToldWhenAReplicaFallsBehind(t *testing.T) {
	t.Parallel()
	ms := testkit.NewMailServer(t)
	dir := filepath.Join(t.TempDir(), "replica")
	// A server on a port nothing listens on, whose host key is known: the
	// settings are right, the server is down.
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	known := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(known, []byte("[127.0.0.1]:9 "+string(ssh.MarshalAuthorizedKey(key))), 0o600); err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "id")
	if err := os.WriteFile(keyFile, []byte("unused"), 0o600); err != nil {
		t.Fatal(err)
	}
	a := testkit.NewApp(t, testkit.WithMail(ms), func(c *app.Config) {
		c.Replica = replica.Config{URLs: []string{dir, "sftp://abrak@127.0.0.1:9/srv/replica"}, SyncInterval: 100 * time.Millisecond,
			MaxLag: time.Second, SFTPPassword: "x", SFTPKnownHosts: known}
		c.OperatorEmail = "ops@example.com"
		c.ReplicaWatchEvery = 100 * time.Millisecond
		c.Web.MetricsPublic = true
	})
	a.CreateUser(t, "writes@example.com", testkit.Password)
	ctx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	go a.ReplicaWatch.Run(ctx)

	var rd struct {
		Checks   map[string]string        `json:"checks"`
		Replicas []services.ReplicaHealth `json:"replicas"`
	}
	testkit.WaitFor(t, 30*time.Second, "readyz shows the SFTP replica failing", func() bool {
		r := a.APICall(t, http.MethodGet, "/readyz", "", "")
		if err := json.Unmarshal([]byte(r.Body), &rd); err != nil {
			t.Fatalf("/readyz: %v\n%s", err, r.Body)
		}
		return len(rd.Replicas) == 2 && rd.Replicas[1].Error != ""
	})
	// The database and the hypervisors decide readiness; a replica is told apart.
	if len(rd.Checks) != 2 || !strings.HasSuffix(rd.Replicas[0].URL, dir) || rd.Replicas[0].Error != "" || strings.Contains(rd.Replicas[1].URL, ":x@") {
		t.Fatalf("/readyz: %+v", rd)
	}
	letter := ms.Await(t, "ops@example.com", "")
	if !strings.Contains(letter.Text, "127.0.0.1:9") {
		t.Errorf("the operator's letter does not name the replica:\n%s", letter.Text)
	}
	time.Sleep(time.Second)
	if n := ms.Count("ops@example.com"); n != 1 {
		t.Errorf("%d letters for one episode", n)
	}
	m := a.APICall(t, http.MethodGet, "/metrics", "", "")
	if !strings.Contains(m.Body, "abrak_replica_up") {
		t.Errorf("no replica gauges in /metrics")
	}
	if _, err := os.Stat(filepath.Join(dir, "ltx")); err != nil {
		t.Errorf("the directory replica holds nothing: %v", err)
	}
}
