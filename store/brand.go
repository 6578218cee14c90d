package store

import (
	"context"
	"time"
)

// BrandValues are the brand's fields set from the settings page, by name.
func (db *DB) BrandValues(ctx context.Context) (map[string][]byte, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT name, value FROM brand_settings`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]byte{}
	for rows.Next() {
		var k string
		var v []byte
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, rows.Err()
}

// SetBrandValues writes the given fields in one transaction; a nil value
// removes the field (the setting applies again).
func (db *DB) SetBrandValues(ctx context.Context, values map[string][]byte, now time.Time) error {
	tx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for k, v := range values {
		if v == nil {
			_, err = tx.ExecContext(ctx, `DELETE FROM brand_settings WHERE name = ?`, k)
		} else {
			_, err = tx.ExecContext(ctx, `INSERT INTO brand_settings (name, value, updated_at) VALUES (?, ?, ?)
				ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, k, v, now.Unix())
		}
		if err != nil {
			return err
		}
	}
	return tx.Commit()
}
