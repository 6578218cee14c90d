package replica

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/benbjohnson/litestream"
	"github.com/superfly/ltx"
)

// fileKey names one LTX file of a replica.
type fileKey struct {
	level    int
	min, max ltx.TXID
}

func keyOf(i *ltx.FileInfo) fileKey { return fileKey{i.Level, i.MinTXID, i.MaxTXID} }

// errDiverged: the target holds a history of the database that is not the
// hub's. It is never overwritten; the operator restores from it or empties it.
var errDiverged = errors.New("the replica holds another history of this database")

// listAll reads every level of a replica: the compaction levels and the
// snapshots.
func listAll(ctx context.Context, c litestream.ReplicaClient) (map[fileKey]*ltx.FileInfo, error) {
	out := map[fileKey]*ltx.FileInfo{}
	for level := 0; level <= litestream.SnapshotLevel; level++ {
		itr, err := c.LTXFiles(ctx, level, 0, false)
		if err != nil {
			return nil, fmt.Errorf("listing level %d: %w", level, err)
		}
		for itr.Next() {
			info := *itr.Item()
			info.Level = level
			out[keyOf(&info)] = &info
		}
		if err := itr.Close(); err != nil {
			return nil, fmt.Errorf("listing level %d: %w", level, err)
		}
	}
	return out, nil
}

func maxTXID(files map[fileKey]*ltx.FileInfo) ltx.TXID {
	var m ltx.TXID
	for k := range files {
		m = max(m, k.max)
	}
	return m
}

// copyOrder puts snapshots first, then the compacted levels from the top and
// each level oldest first, so a restore from a target caught up halfway still
// finds a gapless chain.
func copyOrder(a, b *ltx.FileInfo) int {
	if a.Level != b.Level {
		return cmp.Compare(b.Level, a.Level)
	}
	return cmp.Compare(a.MinTXID, b.MinTXID)
}

// mirror makes the target hold what the hub holds: the files it lacks are
// copied, then those the hub has pruned are deleted.
func (r *Replicator) mirror(ctx context.Context, t *target) error {
	hub, err := listAll(ctx, r.hub)
	if err != nil {
		return fmt.Errorf("reading the hub: %w", err)
	}
	if t.files == nil {
		have, err := listAll(ctx, t.client)
		if err != nil {
			return err
		}
		if err := sameHistory(ctx, r.hub, t.client, hub, have); err != nil {
			return err
		}
		t.files, t.contact = have, time.Now()
	}

	var missing, extra []*ltx.FileInfo
	for k, info := range hub {
		if _, ok := t.files[k]; !ok {
			missing = append(missing, info)
		}
	}
	for k, info := range t.files {
		if _, ok := hub[k]; !ok {
			extra = append(extra, info)
		}
	}
	slices.SortFunc(missing, copyOrder)
	for _, info := range missing {
		if err := copyFile(ctx, r.hub, t.client, info); errors.Is(err, os.ErrNotExist) {
			continue // pruned from the hub since it was listed
		} else if err != nil {
			return err
		}
		t.files[keyOf(info)] = info
		t.contact = time.Now()
	}
	if len(extra) > 0 {
		if err := t.client.DeleteLTXFiles(ctx, extra); err != nil {
			return fmt.Errorf("pruning: %w", err)
		}
		for _, info := range extra {
			delete(t.files, keyOf(info))
		}
		t.contact = time.Now()
	}
	if time.Since(t.contact) >= r.probeEvery() {
		return r.probe(ctx, t)
	}
	return nil
}

// probeEvery is how long an idle target may go without being asked anything:
// a pass with nothing to copy does not touch it, and a server that died
// while the panel was idle must still show.
func (r *Replicator) probeEvery() time.Duration {
	return min(10*r.cfg.SyncInterval, r.cfg.MaxLag/2)
}

// probe lists the target's newest level and checks that what was copied there
// is still there.
func (r *Replicator) probe(ctx context.Context, t *target) error {
	itr, err := t.client.LTXFiles(ctx, 0, 0, false)
	if err != nil {
		return err
	}
	there := map[fileKey]bool{}
	for itr.Next() {
		info := *itr.Item()
		info.Level = 0
		there[keyOf(&info)] = true
	}
	if err := itr.Close(); err != nil {
		return err
	}
	for k := range t.files {
		if k.level == 0 && !there[k] {
			return fmt.Errorf("file %s of level 0 went missing from the replica", ltx.FormatFilename(k.min, k.max))
		}
	}
	t.contact = time.Now()
	return nil
}

func copyFile(ctx context.Context, from, to litestream.ReplicaClient, info *ltx.FileInfo) error {
	rc, err := from.OpenLTXFile(ctx, info.Level, info.MinTXID, info.MaxTXID, 0, 0)
	if err != nil {
		return err
	}
	defer rc.Close()
	if _, err := to.WriteLTXFile(ctx, info.Level, info.MinTXID, info.MaxTXID, rc); err != nil {
		return fmt.Errorf("copying %s of level %d: %w", ltx.FormatFilename(info.MinTXID, info.MaxTXID), info.Level, err)
	}
	return nil
}

// sameHistory refuses a target whose files are not the hub's: one that holds
// transactions the hub has not seen (a database restored elsewhere, another
// panel's replica) or whose files differ from the hub's of the same name.
// Writing to it would mix two histories and make it unrestorable.
func sameHistory(ctx context.Context, hubC, tc litestream.ReplicaClient, hub, have map[fileKey]*ltx.FileInfo) error {
	if len(have) == 0 {
		return nil
	}
	if hm, tm := maxTXID(hub), maxTXID(have); tm > hm {
		return fmt.Errorf("%w: it has transaction %d and this database only %d (was the database restored without `abrak restore`?)", errDiverged, tm, hm)
	}
	var newest *ltx.FileInfo
	for k, info := range have {
		h, ok := hub[k]
		if !ok {
			continue
		}
		if h.Size != info.Size {
			return fmt.Errorf("%w: its file %s of level %d differs from this database's", errDiverged, ltx.FormatFilename(k.min, k.max), k.level)
		}
		if newest == nil || witness(info, newest) {
			newest = info
		}
	}
	if newest == nil {
		return fmt.Errorf("%w: none of its files is one this database still keeps (down longer than the snapshot retention, or another database's replica?); empty it or name another place", errDiverged)
	}
	a, err := header(ctx, hubC, newest)
	if err != nil {
		return fmt.Errorf("reading the hub: %w", err)
	}
	b, err := header(ctx, tc, newest)
	if err != nil {
		return err
	}
	if !bytes.Equal(a, b) {
		return fmt.Errorf("%w: its file %s of level %d differs from this database's", errDiverged, ltx.FormatFilename(newest.MinTXID, newest.MaxTXID), newest.Level)
	}
	return nil
}

// witness says whether a is a better file than b to compare the two
// histories by: level-0 files are written once (a compacted level can be
// redone), and the newest tells the most.
func witness(a, b *ltx.FileInfo) bool {
	if (a.Level == 0) != (b.Level == 0) {
		return a.Level == 0
	}
	return a.MaxTXID > b.MaxTXID
}

// header reads an LTX file's header: its timestamp, WAL offset and salts make
// it one of a kind.
func header(ctx context.Context, c litestream.ReplicaClient, info *ltx.FileInfo) ([]byte, error) {
	rc, err := c.OpenLTXFile(ctx, info.Level, info.MinTXID, info.MaxTXID, 0, ltx.HeaderSize)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	buf := make([]byte, ltx.HeaderSize)
	if _, err := io.ReadFull(rc, buf); err != nil {
		return nil, err
	}
	return buf, nil
}
