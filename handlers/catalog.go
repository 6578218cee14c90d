package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/views"
	"abrak/views/i18n"
)

// catalogOptions is the catalog as pages offer it, named in the page's language.
func (h *Handlers) catalogOptions(c echo.Context) ([]views.RegionOption, []views.PlanOption, []views.TemplateOption, error) {
	ctx := c.Request().Context()
	l := LocaleOf(c)
	var (
		regions []views.RegionOption
		plans   []views.PlanOption
		tmpls   []views.TemplateOption
	)
	rs, err := h.VMs.Regions(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, r := range rs {
		regions = append(regions, views.RegionOption{Slug: r.Slug, Name: regionName(l, r)})
	}
	ps, err := h.VMs.Plans(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, pl := range ps {
		plans = append(plans, views.PlanOption{Slug: pl.Slug, Name: planName(l, pl), VCPUs: pl.VCPUs,
			MemoryMB: pl.MemoryMB, DiskGB: pl.DiskGB, PriceHourlyRials: pl.PriceHourlyRials, BackupPriceHourlyRials: h.VMs.BackupPrice(pl.PriceHourlyRials), TrafficGB: pl.TrafficGB})
	}
	ts, err := h.VMs.OSTemplates(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, t := range ts {
		tmpls = append(tmpls, views.TemplateOption{Slug: t.Slug, Name: t.Name})
	}
	return regions, plans, tmpls, nil
}

// Plans is GET /api/v1/plans: names in the request's language, prices in rials.
func (h *Handlers) Plans(c echo.Context) error {
	plans, err := h.VMs.Plans(c.Request().Context())
	if err != nil {
		return services.Internal(err)
	}
	out := make([]apiPlan, 0, len(plans))
	for _, p := range plans {
		out = append(out, planJSON(LocaleOf(c), p))
	}
	return c.JSON(http.StatusOK, map[string][]apiPlan{"plans": out})
}

// OSTemplates is GET /api/v1/os-templates.
func (h *Handlers) OSTemplates(c echo.Context) error {
	ts, err := h.VMs.OSTemplates(c.Request().Context())
	if err != nil {
		return services.Internal(err)
	}
	out := make([]apiOSTemplate, 0, len(ts))
	for _, t := range ts {
		out = append(out, apiOSTemplate{Slug: t.Slug, Name: t.Name, MinDiskGB: t.MinDiskGB})
	}
	return c.JSON(http.StatusOK, map[string][]apiOSTemplate{"os_templates": out})
}

// Regions is GET /api/v1/regions.
func (h *Handlers) Regions(c echo.Context) error {
	rs, err := h.VMs.Regions(c.Request().Context())
	if err != nil {
		return services.Internal(err)
	}
	out := make([]apiRegion, 0, len(rs))
	for _, r := range rs {
		out = append(out, apiRegion{Slug: r.Slug, Name: regionName(LocaleOf(c), r)})
	}
	return c.JSON(http.StatusOK, map[string][]apiRegion{"regions": out})
}

// ISOs is GET /api/v1/isos: the images a VM may boot from.
func (h *Handlers) ISOs(c echo.Context) error {
	isos, err := h.VMs.ISOs(c.Request().Context())
	if err != nil {
		return services.Internal(err)
	}
	out := make([]apiISO, 0, len(isos))
	for _, iso := range isos {
		out = append(out, apiISO{Slug: iso.Slug, Name: iso.Name})
	}
	return c.JSON(http.StatusOK, map[string][]apiISO{"isos": out})
}

// localName picks the name a catalog entry has in the locale.
func localName(l i18n.Locale, fa, en string) string {
	if l == i18n.EN {
		return en
	}
	return fa
}

func planName(l i18n.Locale, p services.Plan) string { return localName(l, p.NameFA, p.NameEN) }

func regionName(l i18n.Locale, r services.Region) string { return localName(l, r.NameFA, r.NameEN) }
