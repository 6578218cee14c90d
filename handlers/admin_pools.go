package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"abrak/views"
)

// AdminPools is the operator's address pools page: usage, and which are near full.
func (h *Handlers) AdminPools(c echo.Context) error {
	p, _ := PrincipalOf(c)
	pools, err := h.Staff.Pools(c.Request().Context(), p)
	if err != nil {
		return err
	}
	var v views.AdminPoolsView
	for _, pl := range pools {
		v.Rows = append(v.Rows, views.AdminPoolRow{ID: pl.ID, Region: pl.Region, Network: pl.Network, Family: pl.Family, First: pl.First, Last: pl.Last,
			Gateway: pl.Gateway, Live: pl.Live, Quarantined: pl.Quarantined, Size: pl.Size, Free: pl.Free, NearFull: pl.NearFull})
	}
	return render(c, http.StatusOK, views.AdminPoolsPage(h.shell(c, "admin.pools.title", "admin-pools"), v))
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

// APIAdminPools is GET /api/v1/admin/pools: every pool with its usage.
func (h *Handlers) APIAdminPools(c echo.Context) error {
	p, _ := PrincipalOf(c)
	pools, err := h.Staff.Pools(c.Request().Context(), p)
	if err != nil {
		return err
	}
	out := make([]apiAdminPool, 0, len(pools))
	for _, pl := range pools {
		a := apiAdminPool{ID: pl.ID, Region: pl.Region, Family: pl.Family, Network: pl.Network, Gateway: pl.Gateway, First: pl.First, Last: pl.Last,
			Resolvers: pl.Resolvers, Live: pl.Live, Quarantined: pl.Quarantined, NearFull: pl.NearFull}
		if a.Resolvers == nil {
			a.Resolvers = []string{}
		}
		if pl.Size >= 0 {
			size, free := pl.Size, pl.Free
			a.Size, a.Free = &size, &free
		}
		out = append(out, a)
	}
	return c.JSON(http.StatusOK, map[string]any{"pools": out})
}
