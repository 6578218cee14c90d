package hypervisor

import (
	"errors"
	"testing"
)

// failingWriter takes limit bytes and fails from then on, as a full disk or a
// target node that went away does.
type failingWriter struct{ limit, n int }

var errWriterFull = errors.New("the writer is full")

func (w *failingWriter) Write(b []byte) (int, error) {
	if w.n+len(b) > w.limit {
		return 0, errWriterFull
	}
	w.n += len(b)
	return len(b), nil
}

// A download whose writer fails midway ends with the writer's error, and the
// node's connections go on answering: a backup whose store fills up, or a
// move whose target goes away, ends instead of hanging.
func TestADownloadWhoseWriterFailsEndsWithItsError(t *testing.T) {
	t.Parallel()
	_, n := qemuNode(t, startDaemon(t), 1)
	for range 5 {
		_, err := n.DownloadVolume(ctxT(t), "tiny-v1.qcow2", &failingWriter{limit: 1 << 20})
		if !errors.Is(err, errWriterFull) {
			t.Fatalf("download into a writer that fails: %v", err)
		}
	}
	if _, err := n.Volumes(ctxT(t)); err != nil {
		t.Fatal(err)
	}
}
