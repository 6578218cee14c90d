package services

import (
	"context"
	"errors"
	"strings"

	"abrak/store"
)

// Where a template stands on one node, as the operator reads it.
const (
	TemplateReady     = store.VolumeReady
	TemplateFailed    = store.VolumeFailed
	TemplateUploading = store.VolumeUploading
	// TemplateMissing: the node holds no volume of the template's current
	// image (none yet, or an older image): VMs of it are not placed there.
	TemplateMissing = "missing"
)

// StaffTemplate is an OS template or ISO as the operator's Templates page
// shows it: disabled ones too, with its state on every node and its VMs.
type StaffTemplate struct {
	store.OSTemplate
	VMs int
	// Nodes is its state on each node; empty for a template that is not
	// imported (its volume is the operator's to put on every node).
	Nodes []TemplateOnNode
}

// TemplateOnNode is a template's state on one node, and why it failed.
type TemplateOnNode struct {
	NodeID int64
	Node   string
	State  string
	Error  string
}

// Templates lists every OS template and ISO for the operator.
func (s *Staff) Templates(ctx context.Context, p Principal) ([]StaffTemplate, error) {
	if err := p.RequireStaff(StaffRead); err != nil {
		return nil, err
	}
	templates, err := s.db.AllOSTemplates(ctx)
	if err != nil {
		return nil, Internal(err)
	}
	nodes, err := s.db.AllNodes(ctx)
	if err != nil {
		return nil, Internal(err)
	}
	vols, err := s.db.TemplateVolumes(ctx)
	if err != nil {
		return nil, Internal(err)
	}
	counts, err := s.db.TemplateVMCounts(ctx)
	if err != nil {
		return nil, Internal(err)
	}
	type key struct {
		slug string
		node int64
	}
	have := map[key]store.TemplateVolume{}
	for _, v := range vols {
		have[key{v.Template, v.NodeID}] = v
	}
	out := make([]StaffTemplate, 0, len(templates))
	for _, t := range templates {
		st := StaffTemplate{OSTemplate: t, VMs: counts[t.Slug]}
		if t.Imported() {
			for _, n := range nodes {
				on := TemplateOnNode{NodeID: n.ID, Node: n.Name, State: TemplateMissing}
				if v, ok := have[key{t.Slug, n.ID}]; ok && v.Volume == t.Volume {
					on.State, on.Error = v.State, v.Error
				}
				st.Nodes = append(st.Nodes, on)
			}
		}
		out = append(out, st)
	}
	return out, nil
}

// SetTemplateActive offers a template (or ISO) to new orders again, or stops:
// the VMs built from it keep it; only an admin may. Audited.
func (s *Staff) SetTemplateActive(ctx context.Context, p Principal, slug string, active bool) (StaffTemplate, error) {
	if err := p.RequireStaff(StaffManage); err != nil {
		return StaffTemplate{}, err
	}
	slug = strings.TrimSpace(slug)
	err := s.db.SetTemplateActive(ctx, slug, active)
	if errors.Is(err, store.ErrNotFound) {
		return StaffTemplate{}, NotFound()
	}
	if err != nil {
		return StaffTemplate{}, Internal(err)
	}
	action := "admin.template_disable"
	if active {
		action = "admin.template_enable"
	}
	s.record(ctx, p, action, SeverityWarning, "template", slug, "")
	all, err := s.Templates(ctx, p)
	if err != nil {
		return StaffTemplate{}, err
	}
	for _, t := range all {
		if t.Slug == slug {
			return t, nil
		}
	}
	return StaffTemplate{}, NotFound()
}
