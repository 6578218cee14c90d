package cli

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// batchedLog gathers the panel's log lines and writes them in batches: under
// load a line per request is a system call per request (a fifth of the CPU of
// a 304 here), while a copy into a buffer is nearly free. Lines wait at most
// logFlushEvery; a warning or an error is written at once, with everything
// before it (flushingHandler), so what an operator needs first is never held
// back, and a crash can lose at most that interval of request lines.
type batchedLog struct {
	mu  sync.Mutex
	buf []byte
	out io.Writer
}

const (
	logFlushEvery = 100 * time.Millisecond
	logBatchBytes = 64 << 10
)

func newBatchedLog(out io.Writer) *batchedLog { return &batchedLog{out: out} }

func (b *batchedLog) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if len(b.buf) >= logBatchBytes {
		b.flushLocked()
	}
	return len(p), nil
}

// Flush writes what is gathered.
func (b *batchedLog) Flush() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.flushLocked()
}

func (b *batchedLog) flushLocked() {
	if len(b.buf) > 0 {
		_, _ = b.out.Write(b.buf)
		b.buf = b.buf[:0]
	}
}

// run flushes every logFlushEvery until ctx ends, then once more.
func (b *batchedLog) run(ctx context.Context) {
	t := time.NewTicker(logFlushEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			b.Flush()
			return
		case <-t.C:
			b.Flush()
		}
	}
}

// flushingHandler writes a record of warning level or above at once.
type flushingHandler struct {
	slog.Handler
	out *batchedLog
}

func (h flushingHandler) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelWarn {
		h.out.Flush()
	}
	return err
}

func (h flushingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return flushingHandler{h.Handler.WithAttrs(attrs), h.out}
}

func (h flushingHandler) WithGroup(name string) slog.Handler {
	return flushingHandler{h.Handler.WithGroup(name), h.out}
}

// batchedLogger is newLogger over a batchedLog of out, flushed until ctx ends.
func batchedLogger(ctx context.Context, format string, out io.Writer) (*slog.Logger, *batchedLog) {
	b := newBatchedLog(out)
	go b.run(ctx)
	return slog.New(flushingHandler{newLogger(format, b).Handler(), b}), b
}

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}
