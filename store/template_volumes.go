package store

import (
	"context"
	"time"
)

// Template volume states: a VM is cloned only from a ready one.
const (
	VolumeUploading = "uploading"
	VolumeReady     = "ready"
	VolumeFailed    = "failed"
)

// TemplateVolume is where one node holds one imported template.
type TemplateVolume struct {
	Template  string
	NodeID    int64
	Volume    string
	State     string
	Error     string
	Attempts  int
	UpdatedAt time.Time
}

// SetTemplateVolume records a template's volume on a node in a state (and why,
// for a failure); starting an upload counts an attempt.
func (db *DB) SetTemplateVolume(ctx context.Context, slug string, nodeID int64, volume, state, why string) error {
	attempt := 0
	if state == VolumeUploading {
		attempt = 1
	}
	_, err := db.W.ExecContext(ctx, `INSERT INTO template_volumes (template_slug, node_id, volume, state, error, attempts, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (template_slug, node_id) DO UPDATE SET volume = excluded.volume, state = excluded.state,
		error = excluded.error, attempts = attempts + excluded.attempts, updated_at = excluded.updated_at`,
		slug, nodeID, volume, state, why, attempt, time.Now().Unix())
	return err
}

// TemplateVolumes lists every template volume record, by template and node.
func (db *DB) TemplateVolumes(ctx context.Context) ([]TemplateVolume, error) {
	rows, err := db.read(ctx, `SELECT template_slug, node_id, volume, state, error, attempts, updated_at FROM template_volumes ORDER BY template_slug, node_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []TemplateVolume
	for rows.Next() {
		var v TemplateVolume
		var at int64
		if err := rows.Scan(&v.Template, &v.NodeID, &v.Volume, &v.State, &v.Error, &v.Attempts, &at); err != nil {
			return nil, err
		}
		v.UpdatedAt = time.Unix(at, 0).UTC()
		out = append(out, v)
	}
	return out, rows.Err()
}

// NodesWithTemplate lists the nodes holding a ready volume of the template.
func (db *DB) NodesWithTemplate(ctx context.Context, slug string) (map[int64]bool, error) {
	return db.readIDSet(ctx, `SELECT node_id FROM template_volumes WHERE template_slug = ? AND state = '`+VolumeReady+`'`, slug)
}
