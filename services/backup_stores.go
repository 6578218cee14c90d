package services

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"abrak/hypervisor"
	"abrak/store"
)

// backupTarget is a backup store as the backup service writes to it and reads
// from it. A backup's file appears under its name only once it is whole: a
// failed write leaves nothing behind (and a panel that dies mid-write leaves
// a file the next start removes, since its backup is still in progress).
type backupTarget interface {
	// Put writes the file name with what write produces.
	Put(ctx context.Context, name string, write func(w io.Writer) error) error
	// Open reads the file name.
	Open(ctx context.Context, name string) (io.ReadCloser, error)
	// Delete removes the file name; a missing file is no error.
	Delete(ctx context.Context, name string) error
}

// targetOf is the target of a declared store.
func targetOf(fleet *hypervisor.Fleet, st store.BackupStore) (backupTarget, error) {
	switch st.Kind {
	case store.BackupStoreDir:
		return dirTarget{dir: st.Path}, nil
	case store.BackupStorePool:
		node, err := fleet.Node(st.NodeID)
		if err != nil {
			return nil, fmt.Errorf("backup store %s: %w", st.Name, err)
		}
		return poolTarget{node: node}, nil
	}
	return nil, fmt.Errorf("backup store %s: unknown kind %q", st.Name, st.Kind)
}

// dirTarget is a directory on the panel's host, on storage the operator mounts
// there. A file is written beside its name and renamed once synced: a
// directory that goes away mid-write (storage unmounted) fails the rename.
type dirTarget struct{ dir string }

func (d dirTarget) Put(ctx context.Context, name string, write func(w io.Writer) error) error {
	f, err := os.CreateTemp(d.dir, "."+name+".partial-*")
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := write(f); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), filepath.Join(d.dir, name)); err != nil {
		return err
	}
	done = true
	// The rename is durable only once the directory is.
	if dir, err := os.Open(d.dir); err == nil {
		_ = dir.Sync()
		dir.Close()
	}
	return nil
}

func (d dirTarget) Open(_ context.Context, name string) (io.ReadCloser, error) {
	return os.Open(filepath.Join(d.dir, name))
}

func (d dirTarget) Delete(_ context.Context, name string) error {
	err := os.Remove(filepath.Join(d.dir, name))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

// poolTarget is another node's storage pool: the backup streams from the
// VM's node through the panel into a volume there.
type poolTarget struct{ node *hypervisor.Node }

func (p poolTarget) Put(ctx context.Context, name string, write func(w io.Writer) error) error {
	pr, pw := io.Pipe()
	uploaded := make(chan error, 1)
	go func() {
		err := p.node.UploadVolume(ctx, name, pr, 0, 0, "raw")
		pr.CloseWithError(err)
		uploaded <- err
	}()
	werr := write(pw)
	pw.CloseWithError(werr)
	uerr := <-uploaded
	if err := errors.Join(werr, uerr); err != nil {
		_ = p.node.DeleteVolume(context.WithoutCancel(ctx), name)
		return err
	}
	return nil
}

func (p poolTarget) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	pr, pw := io.Pipe()
	go func() {
		_, err := p.node.DownloadVolume(ctx, name, pw)
		pw.CloseWithError(err)
	}()
	return pr, nil
}

func (p poolTarget) Delete(ctx context.Context, name string) error {
	return p.node.DeleteVolume(ctx, name)
}
