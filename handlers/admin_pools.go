package handlers

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/views"
)

// AdminPools is the operator's address pools page: usage, and which are
// near full; an admin adds a pool there.
func (h *Handlers) AdminPools(c echo.Context) error {
	return h.adminPoolsPage(c, http.StatusOK, views.Form{})
}

func (h *Handlers) adminPoolsPage(c echo.Context, status int, create views.Form) error {
	p, _ := PrincipalOf(c)
	ctx := c.Request().Context()
	q, keep := listQuery(c, services.PoolSorts.Sortable)
	pools, total, err := h.Staff.FindPools(ctx, p, q)
	if err != nil {
		return err
	}
	v := views.AdminPoolsView{List: views.List{Q: q.Q, Sort: listSorting("/admin/pools", q, keep), Pager: listPager("/admin/pools", q, keep, total)}, CanManage: p.RequireStaff(services.StaffManage) == nil, New: create}
	for _, pl := range pools {
		v.Rows = append(v.Rows, views.AdminPoolRow{ID: pl.ID, Region: pl.Region, Network: pl.Network, Family: pl.Family, First: pl.First, Last: pl.Last,
			Gateway: pl.Gateway, Live: pl.Live, Quarantined: pl.Quarantined, Size: pl.Size, Free: pl.Free, NearFull: pl.NearFull})
	}
	if v.CanManage {
		regions, err := h.Staff.Regions(ctx, p)
		if err != nil {
			return err
		}
		for _, r := range regions {
			v.Regions = append(v.Regions, r.Slug)
		}
	}
	return render(c, status, views.AdminPoolsPage(h.shell(c, "admin.pools.title", "admin-pools"), v))
}

// AdminCreatePool adds an address pool from the page's form.
func (h *Handlers) AdminCreatePool(c echo.Context) error {
	p, _ := PrincipalOf(c)
	in := services.PoolInput{Region: c.FormValue("region"), Network: c.FormValue("network"), Gateway: c.FormValue("gateway"),
		First: c.FormValue("first"), Last: c.FormValue("last"), Resolvers: strings.Split(c.FormValue("resolvers"), ",")}
	if _, err := h.Staff.CreatePool(c.Request().Context(), p, in); err != nil {
		f, status, ferr := formFor(c, err, formValues(c, "region", "network", "gateway", "first", "last", "resolvers"))
		if ferr != nil {
			return ferr
		}
		return h.adminPoolsPage(c, status, f)
	}
	h.flash(c, "admin.pools.created")
	return redirect(c, "/admin/pools")
}

// apiAdminPool is a pool as the admin API answers it; size and free are
// absent for an IPv6 prefix, which never runs out.
type apiAdminPool struct {
	ID          int64    `json:"id"`
	Region      string   `json:"region"`
	Family      int      `json:"family"`
	Network     string   `json:"network"`
	Gateway     string   `json:"gateway"`
	First       string   `json:"first,omitempty"`
	Last        string   `json:"last,omitempty"`
	Resolvers   []string `json:"resolvers"`
	Live        int      `json:"live"`
	Quarantined int      `json:"quarantined"`
	Size        *int64   `json:"size,omitempty"`
	Free        *int64   `json:"free,omitempty"`
	NearFull    bool     `json:"near_full"`
}

func adminPoolJSON(pl services.StaffPool) apiAdminPool {
	a := apiAdminPool{ID: pl.ID, Region: pl.Region, Family: pl.Family, Network: pl.Network, Gateway: pl.Gateway, First: pl.First, Last: pl.Last,
		Resolvers: pl.Resolvers, Live: pl.Live, Quarantined: pl.Quarantined, NearFull: pl.NearFull}
	if a.Resolvers == nil {
		a.Resolvers = []string{}
	}
	if pl.Size >= 0 {
		size, free := pl.Size, pl.Free
		a.Size, a.Free = &size, &free
	}
	return a
}

// APIAdminPools is GET /api/v1/admin/pools: every pool with its usage.
func (h *Handlers) APIAdminPools(c echo.Context) error {
	p, _ := PrincipalOf(c)
	q, keep, err := apiListQuery(c, services.PoolSorts.Sortable)
	if err != nil {
		return err
	}
	pools, total, err := h.Staff.FindPools(c.Request().Context(), p, q)
	if err != nil {
		return err
	}
	setPageLinks(c, keep, total, q.Limit, q.Offset)
	out := make([]apiAdminPool, 0, len(pools))
	for _, pl := range pools {
		out = append(out, adminPoolJSON(pl))
	}
	return c.JSON(http.StatusOK, map[string]any{"pools": out, "meta": listMeta(q, total)})
}

type apiNewPool struct {
	Region    string   `json:"region"`
	Network   string   `json:"network"`
	Gateway   string   `json:"gateway"`
	First     string   `json:"first"`
	Last      string   `json:"last"`
	Resolvers []string `json:"resolvers"`
}

// APIAdminCreatePool is POST /api/v1/admin/pools.
func (h *Handlers) APIAdminCreatePool(c echo.Context) error {
	p, _ := PrincipalOf(c)
	var body apiNewPool
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	pl, err := h.Staff.CreatePool(c.Request().Context(), p, services.PoolInput{Region: body.Region, Network: body.Network,
		Gateway: body.Gateway, First: body.First, Last: body.Last, Resolvers: body.Resolvers})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, adminPoolJSON(pl))
}
