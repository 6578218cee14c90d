package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/views"
)

// AdminTemplates is the operator's OS templates and ISOs page.
func (h *Handlers) AdminTemplates(c echo.Context) error {
	return h.adminTemplatesPage(c, http.StatusOK, views.Form{Values: map[string]string{"min_disk_gb": "1"}})
}

func (h *Handlers) adminTemplatesPage(c echo.Context, status int, upload views.Form) error {
	p, _ := PrincipalOf(c)
	q, keep := listQuery(c, services.TemplateSorts.Sortable)
	templates, total, err := h.Staff.FindTemplates(c.Request().Context(), p, q)
	if err != nil {
		return err
	}
	v := views.AdminTemplatesView{List: views.List{Q: q.Q, Sort: listSorting("/admin/templates", q, keep), Pager: listPager("/admin/templates", q, keep, total)}, CanManage: p.RequireStaff(services.StaffManage) == nil,
		Upload: upload, Features: services.Features, MaxUploadGiB: services.MaxTemplateUpload >> 30}
	for _, t := range templates {
		row := views.AdminTemplateRow{Slug: t.Slug, Name: t.Name, Kind: t.Kind, MinDiskGB: t.MinDiskGB, Imported: t.Imported(), Active: t.Active, VMs: t.VMs}
		for _, n := range t.Nodes {
			row.Nodes = append(row.Nodes, views.AdminTemplateNode{Node: n.Node, State: n.State, Error: n.Error})
		}
		v.Rows = append(v.Rows, row)
	}
	return render(c, status, views.AdminTemplatesPage(h.shell(c, "admin.templates.title", "admin-templates"), v))
}

// AdminDisableTemplate hides a template or ISO from new orders; AdminEnableTemplate offers it again.
func (h *Handlers) AdminDisableTemplate(c echo.Context) error { return h.adminSetTemplate(c, false) }
func (h *Handlers) AdminEnableTemplate(c echo.Context) error  { return h.adminSetTemplate(c, true) }

func (h *Handlers) adminSetTemplate(c echo.Context, active bool) error {
	p, _ := PrincipalOf(c)
	if _, err := h.Staff.SetTemplateActive(c.Request().Context(), p, c.Param("slug"), active); err != nil {
		return err
	}
	if active {
		h.flash(c, "admin.templates.enabled")
	} else {
		h.flash(c, "admin.templates.disabled")
	}
	return redirect(c, "/admin/templates")
}

// apiAdminTemplate is a template or ISO as the admin API answers it.
type apiAdminTemplate struct {
	Slug      string                 `json:"slug"`
	Name      string                 `json:"name"`
	Kind      string                 `json:"kind"`
	MinDiskGB int                    `json:"min_disk_gb"`
	Imported  bool                   `json:"imported"`
	Active    bool                   `json:"active"`
	VMs       int                    `json:"vms"`
	Nodes     []apiAdminTemplateNode `json:"nodes"`
}

type apiAdminTemplateNode struct {
	NodeID int64  `json:"node_id"`
	Node   string `json:"node"`
	State  string `json:"state"`
	Error  string `json:"error,omitempty"`
}

func adminTemplateJSON(t services.StaffTemplate) apiAdminTemplate {
	out := apiAdminTemplate{Slug: t.Slug, Name: t.Name, Kind: t.Kind, MinDiskGB: t.MinDiskGB, Imported: t.Imported(), Active: t.Active, VMs: t.VMs,
		Nodes: []apiAdminTemplateNode{}}
	for _, n := range t.Nodes {
		out.Nodes = append(out.Nodes, apiAdminTemplateNode{NodeID: n.NodeID, Node: n.Node, State: n.State, Error: n.Error})
	}
	return out
}

// APIAdminTemplates is GET /api/v1/admin/templates: every OS template and ISO.
func (h *Handlers) APIAdminTemplates(c echo.Context) error {
	p, _ := PrincipalOf(c)
	q, keep, err := apiListQuery(c, services.TemplateSorts.Sortable)
	if err != nil {
		return err
	}
	templates, total, err := h.Staff.FindTemplates(c.Request().Context(), p, q)
	if err != nil {
		return err
	}
	setPageLinks(c, keep, total, q.Limit, q.Offset)
	out := make([]apiAdminTemplate, 0, len(templates))
	for _, t := range templates {
		out = append(out, adminTemplateJSON(t))
	}
	return c.JSON(http.StatusOK, map[string]any{"templates": out, "meta": listMeta(q, total)})
}

// APIAdminUpdateTemplate is PATCH /api/v1/admin/templates/{slug}: {"active": false}
// hides it from new orders.
func (h *Handlers) APIAdminUpdateTemplate(c echo.Context) error {
	p, _ := PrincipalOf(c)
	// Refused before the body is checked: support learns it may not, not
	// which field it left out.
	if err := p.RequireStaff(services.StaffManage); err != nil {
		return err
	}
	var body apiRegionChange
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	if body.Active == nil {
		return services.Invalid(map[string]string{"active": "form.required"})
	}
	t, err := h.Staff.SetTemplateActive(c.Request().Context(), p, c.Param("slug"), *body.Active)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, adminTemplateJSON(t))
}
