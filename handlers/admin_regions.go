package handlers

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/views"
)

// AdminRegions is the operator's Regions page.
func (h *Handlers) AdminRegions(c echo.Context) error {
	return h.adminRegionsPage(c, http.StatusOK, views.Form{})
}

func (h *Handlers) adminRegionsPage(c echo.Context, status int, create views.Form) error {
	return h.adminRegionsPageEditing(c, status, create, views.Form{})
}

// adminRegionsPageEditing is the page with the rename form holding what was
// sent and why it was refused.
func (h *Handlers) adminRegionsPageEditing(c echo.Context, status int, create, rename views.Form) error {
	p, _ := PrincipalOf(c)
	q, keep := listQuery(c, services.RegionSorts.Sortable)
	regions, total, err := h.Staff.FindRegions(c.Request().Context(), p, q)
	if err != nil {
		return err
	}
	v := views.AdminRegionsView{List: views.List{Q: q.Q, Sort: listSorting("/admin/regions", q, keep), Pager: listPager("/admin/regions", q, keep, total)}, CanManage: p.RequireStaff(services.StaffManage) == nil, New: create, Rename: rename}
	for _, r := range regions {
		v.Rows = append(v.Rows, views.AdminRegionRow{Slug: r.Slug, NameFA: r.NameFA, NameEN: r.NameEN, Network: r.IPNetwork, Gateway: r.Gateway,
			Nodes: r.Nodes, VMs: r.VMs, Disabled: r.Disabled})
	}
	// A fresh rename form holds a region's names, as choosing it does: the one
	// just renamed (?rename=), else the first.
	if v.Rename.Values == nil && len(regions) > 0 {
		r := regions[0]
		for _, o := range regions {
			if o.Slug == c.QueryParam("rename") {
				r = o
			}
		}
		v.Rename = views.Form{Values: map[string]string{"slug": r.Slug, "name_fa": r.NameFA, "name_en": r.NameEN}}
	}
	return render(c, status, views.AdminRegionsPage(h.shell(c, "admin.regions.title", "admin-regions"), v))
}

// AdminCreateRegion adds a region from the page's form.
func (h *Handlers) AdminCreateRegion(c echo.Context) error {
	p, _ := PrincipalOf(c)
	in := services.RegionInput{Slug: c.FormValue("slug"), NameFA: c.FormValue("name_fa"), NameEN: c.FormValue("name_en"),
		Network: c.FormValue("network"), Gateway: c.FormValue("gateway")}
	if _, err := h.Staff.CreateRegion(c.Request().Context(), p, in); err != nil {
		f, status, ferr := formFor(c, err, formValues(c, "slug", "name_fa", "name_en", "network", "gateway"))
		if ferr != nil {
			return ferr
		}
		return h.adminRegionsPage(c, status, f)
	}
	h.flash(c, "admin.regions.created")
	return redirect(c, "/admin/regions")
}

// AdminDisableRegion stops offering a region to new orders; AdminEnableRegion offers it again.
func (h *Handlers) AdminDisableRegion(c echo.Context) error { return h.adminSetRegion(c, true) }
func (h *Handlers) AdminEnableRegion(c echo.Context) error  { return h.adminSetRegion(c, false) }

func (h *Handlers) adminSetRegion(c echo.Context, disabled bool) error {
	p, _ := PrincipalOf(c)
	if _, err := h.Staff.SetRegionDisabled(c.Request().Context(), p, c.Param("slug"), disabled); err != nil {
		return err
	}
	if disabled {
		h.flash(c, "admin.regions.disabled")
	} else {
		h.flash(c, "admin.regions.enabled")
	}
	return redirect(c, "/admin/regions")
}

// apiAdminRegion is a region as the admin API answers it.
type apiAdminRegion struct {
	Slug    string `json:"slug"`
	NameFA  string `json:"name_fa"`
	NameEN  string `json:"name_en"`
	Network string `json:"network"`
	Gateway string `json:"gateway"`
	Nodes   int    `json:"nodes"`
	VMs     int    `json:"vms"`
	Active  bool   `json:"active"`
}

func adminRegionJSON(r services.StaffRegion) apiAdminRegion {
	return apiAdminRegion{Slug: r.Slug, NameFA: r.NameFA, NameEN: r.NameEN, Network: r.IPNetwork, Gateway: r.Gateway, Nodes: r.Nodes, VMs: r.VMs, Active: !r.Disabled}
}

// APIAdminRegions is GET /api/v1/admin/regions: every region, disabled ones too.
func (h *Handlers) APIAdminRegions(c echo.Context) error {
	p, _ := PrincipalOf(c)
	q, keep, err := apiListQuery(c, services.RegionSorts.Sortable)
	if err != nil {
		return err
	}
	regions, total, err := h.Staff.FindRegions(c.Request().Context(), p, q)
	if err != nil {
		return err
	}
	setPageLinks(c, keep, total, q.Limit, q.Offset)
	out := make([]apiAdminRegion, 0, len(regions))
	for _, r := range regions {
		out = append(out, adminRegionJSON(r))
	}
	return c.JSON(http.StatusOK, map[string]any{"regions": out, "meta": listMeta(q, total)})
}

type apiNewRegion struct {
	Slug    string `json:"slug"`
	NameFA  string `json:"name_fa"`
	NameEN  string `json:"name_en"`
	Network string `json:"network"`
	Gateway string `json:"gateway"`
}

// APIAdminCreateRegion is POST /api/v1/admin/regions.
func (h *Handlers) APIAdminCreateRegion(c echo.Context) error {
	p, _ := PrincipalOf(c)
	var body apiNewRegion
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	r, err := h.Staff.CreateRegion(c.Request().Context(), p, services.RegionInput{Slug: body.Slug, NameFA: body.NameFA, NameEN: body.NameEN,
		Network: body.Network, Gateway: body.Gateway})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, adminRegionJSON(r))
}

type apiRegionChange struct {
	Active *bool `json:"active"`
}

type apiRegionEdit struct {
	Active *bool   `json:"active"`
	NameFA *string `json:"name_fa"`
	NameEN *string `json:"name_en"`
}

// APIAdminUpdateRegion is PATCH /api/v1/admin/regions/{slug}: {"active": false}
// stops offering it to new orders; name_fa and name_en (both) rename it.
func (h *Handlers) APIAdminUpdateRegion(c echo.Context) error {
	p, _ := PrincipalOf(c)
	// Refused before the body is checked: support learns it may not, not
	// which field it left out.
	if err := p.RequireStaff(services.StaffManage); err != nil {
		return err
	}
	ctx := c.Request().Context()
	var body apiRegionEdit
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	if body.Active == nil && body.NameFA == nil && body.NameEN == nil {
		return services.Invalid(map[string]string{"active": "form.required"})
	}
	r, err := h.Staff.Region(ctx, p, c.Param("slug"))
	if err != nil {
		return err
	}
	if body.NameFA != nil || body.NameEN != nil {
		fa, en := r.NameFA, r.NameEN
		if body.NameFA != nil {
			fa = *body.NameFA
		}
		if body.NameEN != nil {
			en = *body.NameEN
		}
		if r, err = h.Staff.RenameRegion(ctx, p, r.Slug, fa, en); err != nil {
			return err
		}
	}
	if body.Active != nil {
		if r, err = h.Staff.SetRegionDisabled(ctx, p, r.Slug, !*body.Active); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, adminRegionJSON(r))
}

// AdminRenameRegion changes a region's names from the page's rename form.
func (h *Handlers) AdminRenameRegion(c echo.Context) error {
	p, _ := PrincipalOf(c)
	if _, err := h.Staff.RenameRegion(c.Request().Context(), p, c.FormValue("slug"), c.FormValue("name_fa"), c.FormValue("name_en")); err != nil {
		f, status, ferr := formFor(c, err, formValues(c, "slug", "name_fa", "name_en"))
		if ferr != nil {
			return ferr
		}
		return h.adminRegionsPageEditing(c, status, views.Form{}, f)
	}
	h.flash(c, "admin.regions.renamed")
	return redirect(c, "/admin/regions?rename="+url.QueryEscape(c.FormValue("slug")))
}
