package store

import (
	"context"
	"time"
)

// SetVMTemplate records the OS template a VM was rebuilt from.
func (db *DB) SetVMTemplate(ctx context.Context, id int64, slug string) error {
	return db.exec1(ctx, `UPDATE vms SET os_template_slug = ?, updated_at = ? WHERE id = ?`, slug, time.Now().Unix(), id)
}
