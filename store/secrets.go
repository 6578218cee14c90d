package store

import (
	"context"
	"crypto/rand"
	"time"
)

// Secret returns the server secret called name, making it (size random bytes) the
// first time it is asked for; two panels asking at once get the same one.
func (db *DB) Secret(ctx context.Context, name string, size int) ([]byte, error) {
	fresh := make([]byte, size)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	var v []byte
	err := db.W.QueryRowContext(ctx, `INSERT INTO secrets (name, value, created_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET name = name RETURNING value`, name, fresh, time.Now().Unix()).Scan(&v)
	return v, err
}
