package handlers

import (
	"strconv"

	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/views"
	"abrak/views/i18n"
)

// nodeAddFields are the add form's fields, as AddNode names them.
var nodeAddFields = []string{"name", "region", "uri", "vcpus", "memory_mb", "disk_gb", "bridge", "virt_type"}

// nodeAddForm is the add form with the regions to choose from.
func (h *Handlers) nodeAddForm(c echo.Context) (views.AdminNodeAddForm, error) {
	rs, err := h.VMs.Regions(c.Request().Context())
	if err != nil {
		return views.AdminNodeAddForm{}, err
	}
	var out views.AdminNodeAddForm
	for _, r := range rs {
		label := r.NameEN
		if LocaleOf(c) == i18n.FA {
			label = r.NameFA
		}
		out.Regions = append(out.Regions, views.Option{Value: r.Slug, Label: label + " (" + r.Slug + ")"})
	}
	return out, nil
}

// AdminAddNode adds a node from the Nodes page (admins only): a bad field, a
// URI that does not answer, is the form again with the message beside it.
func (h *Handlers) AdminAddNode(c echo.Context) error {
	p, _ := PrincipalOf(c)
	in := services.NodeInput{Name: c.FormValue("name"), Region: c.FormValue("region"), URI: c.FormValue("uri"),
		Bridge: c.FormValue("bridge"), VirtType: c.FormValue("virt_type")}
	fields := map[string]string{}
	for name, to := range map[string]*int{"vcpus": &in.VCPUs, "memory_mb": &in.MemoryMB, "disk_gb": &in.DiskGB} {
		if v := digitsValue(c, name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				fields[name] = "admin.nodes.capacity_invalid"
			}
			*to = n
		}
	}
	var err error
	if len(fields) > 0 {
		err = services.Invalid(fields)
	} else {
		var n services.NodeAdded
		if n, err = h.Staff.AddNode(c.Request().Context(), p, in); err == nil {
			h.flash(c, "admin.nodes.added")
			return redirect(c, "/admin/nodes?q="+n.Name)
		}
	}
	f, status, err := formFor(c, err, formValues(c, nodeAddFields...))
	if err != nil {
		return err
	}
	return h.adminNodesPage(c, status, views.NodeAddRefused, f)
}
