package services_test

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"abrak/hypervisor"
	"abrak/store"
	"abrak/vmstatus"
)

// A domain on a node that no VM records — one built after the last write a
// restored database holds, or by hand on the node — is told to the operator
// once, in the log, and left as it is: never adopted as a customer's VM, never
// destroyed, however many passes the reconciler makes.
func TestADomainThePanelDoesNotKnowIsReportedOnceAndLeftAlone(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "test")
	var heard lockedBuffer
	e.log = slog.New(slog.NewTextHandler(io.MultiWriter(&heard, &testLogWriter{t: t}), &slog.HandlerOptions{Level: slog.LevelWarn}))
	owner := e.customer("strangers@example.com", 2*vmtPrice)
	p := e.openReady(true)
	known, err := p.Create(e.ctx, owner, vmOrder("known"))
	must(t, err)
	e.waitStatus(known.UUID, vmstatus.Running, 20*time.Second)

	const stranger = "5e1f0000-0000-4000-8000-00000000beef"
	must(t, e.keeper.Create(e.ctx, hypervisor.DomainSpec{
		UUID: stranger, VCPUs: 1, MemoryMB: 256, DiskGB: 1,
		Template: hypervisor.TemplateRef{Volume: vmtVolume}, Hostname: "by-hand",
		Net: hypervisor.Network{MAC: "52:54:00:be:ef:01"}, VNCPassword: "byhand",
	}))
	for range 5 {
		p.Reconcile(e.ctx)
	}

	reports := 0
	for _, line := range strings.Split(heard.String(), "\n") {
		if strings.Contains(line, stranger) {
			reports++
			if !strings.Contains(line, "does not know") || !strings.Contains(line, "left alone") {
				t.Errorf("the report does not say what the operator must know: %s", line)
			}
		}
	}
	if reports != 1 {
		t.Fatalf("the unknown domain was reported %d times over five passes, want once:\n%s", reports, heard.String())
	}
	if st, ok := e.domains()[stranger]; !ok || st != vmstatus.Running {
		t.Fatalf("the unknown domain is %q (there: %v) after the passes, want running as it was", st, ok)
	}
	if _, err := e.db.VMByUUID(e.ctx, stranger); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the unknown domain became a VM of the panel: %v", err)
	}
	if st := e.vm(known.UUID).Status; st != vmstatus.Running {
		t.Fatalf("the known VM became %q", st)
	}
}

// lockedBuffer is a log's destination read by the test while workers write.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
