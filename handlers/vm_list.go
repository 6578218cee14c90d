package handlers

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/views"
	"abrak/vmstatus"
)

// parseListQuery reads limit, offset, status and q. Unlike the lenient paging
// of other pages, a value that is present but not a number is a 422 naming it,
// as the API contract says; the service checks ranges and the status itself.
func parseListQuery(q url.Values) (services.ListInput, error) {
	in := services.ListInput{Limit: services.DefaultListLimit, Status: q.Get("status"), Q: strings.TrimSpace(q.Get("q"))}
	fields := map[string]string{}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			fields["limit"] = "vm.limit_invalid"
		}
		in.Limit = n
	}
	if s := q.Get("offset"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			fields["offset"] = "vm.offset_invalid"
		}
		in.Offset = n
	}
	if len(in.Q) > 200 {
		fields["q"] = "form.too_long"
	}
	// Seed 004's location is the region by another name; both may be sent
	// only when they agree.
	in.Region = strings.TrimSpace(q.Get("region"))
	if loc := strings.TrimSpace(q.Get("location")); loc != "" {
		if in.Region != "" && in.Region != loc {
			fields["location"] = "api.location_region_differ"
		}
		in.Region = loc
	}
	if len(in.Region) > 100 {
		fields["region"] = "form.too_long"
	}
	if len(fields) > 0 {
		return in, services.Invalid(fields)
	}
	return in, nil
}

// ListVMs is GET /api/v1/vms and GET /vms.
func (h *Handlers) ListVMs(c echo.Context) error {
	p, err := actor(c)
	if err != nil {
		return err
	}
	in, err := parseListQuery(c.QueryParams())
	if err != nil {
		return err
	}
	if apiDoor(c) {
		return h.listVMsJSON(c, p, in)
	}
	ctx := c.Request().Context()
	ver, err := h.VMs.Version(ctx, p)
	if err != nil {
		return err
	}
	// The table alone is what htmx polls while something on it is in
	// progress: 304 when the browser holds it, else the drawing kept from the
	// last time, else drawn and kept.
	id := answerFor("vm-table", c, p, listParams(in)...)
	tag, key := id.at(ver)
	if isHTMX(c) && fresh(c, tag) {
		return notModified(c)
	}
	s := h.shell(c, "nav.vms", "vms")
	v := views.VMListView{Q: in.Q, Status: in.Status, Statuses: vmstatus.All}
	e, ok := h.answers.get(key, tag)
	if !ok {
		if e, err = h.drawVMTable(c, p, in, s, v); err != nil {
			unfresh(c)
			return err
		}
		e.tag = tag
		h.answers.put(key, e)
	}
	table := templ.Raw(string(e.body))
	if !isHTMX(c) {
		if v.Deleted, err = h.recentlyDeleted(c, p); err != nil {
			return err
		}
		v.Grace = h.VMs.RecycleGrace()
		inMaint, err := h.VMs.InMaintenance(c.Request().Context(), p)
		if err != nil {
			return err
		}
		for _, m := range inMaint {
			v.Maintenance = append(v.Maintenance, views.VMMaintenanceRow{UUID: m.UUID, Name: m.Name, Until: m.Until})
		}
	}
	return page(c, http.StatusOK, views.VMsPage(s, v, table), table)
}

// recentlyDeleted reads the VMs in the recycle bin for the list page (never
// for the table htmx asks for: the section is outside it).
func (h *Handlers) recentlyDeleted(c echo.Context, p services.Principal) ([]views.BinRow, error) {
	vms, _, err := h.VMs.List(c.Request().Context(), p, services.ListInput{Status: string(vmstatus.Deleted), Limit: services.MaxListLimit})
	if err != nil {
		return nil, err
	}
	rows := make([]views.BinRow, 0, len(vms))
	for _, vm := range vms {
		rows = append(rows, views.BinRow{UUID: vm.UUID, Name: vm.DisplayName, IP: vm.PublicIP, DeletedAt: vm.DeletedAt, PurgeAt: vm.PurgeAt,
			HourlyRials: vm.HourlyCost()})
	}
	slices.SortStableFunc(rows, func(a, b views.BinRow) int { return b.DeletedAt.Compare(a.DeletedAt) })
	return rows, nil
}

// listParams are what a list's answer is drawn from, for its key and tag.
func listParams(in services.ListInput) []string {
	return []string{in.Q, in.Status, in.Region, strconv.Itoa(in.Limit), strconv.Itoa(in.Offset)}
}

// listFilters are a list's filters as query parameters, for its page links.
func listFilters(in services.ListInput) url.Values {
	f := url.Values{}
	if in.Q != "" {
		f.Set("q", in.Q)
	}
	if in.Status != "" {
		f.Set("status", in.Status)
	}
	if in.Region != "" {
		f.Set("region", in.Region)
	}
	return f
}

// drawVMTable reads one page of the list and draws its table.
func (h *Handlers) drawVMTable(c echo.Context, p services.Principal, in services.ListInput, s views.Shell, v views.VMListView) (cachedAnswer, error) {
	ctx := c.Request().Context()
	vms, total, err := h.VMs.List(ctx, p, in)
	if err != nil {
		return cachedAnswer{}, err
	}
	filters := listFilters(in)
	v.Pager = views.Pager{Total: total, Limit: in.Limit, Offset: in.Offset, Path: "/vms", Query: filters}
	self := url.Values{}
	for k, vals := range filters {
		self[k] = vals
	}
	if in.Offset > 0 {
		self.Set("offset", strconv.Itoa(in.Offset))
	}
	if in.Limit != services.DefaultListLimit {
		self.Set("limit", strconv.Itoa(in.Limit))
	}
	v.URL = "/vms"
	if len(self) > 0 {
		v.URL += "?" + self.Encode()
	}
	for _, vm := range vms {
		v.Poll = v.Poll || vm.Busy
		v.VMs = append(v.VMs, views.VMRow{UUID: vm.UUID, Name: vm.DisplayName, Hostname: vm.Hostname, Status: vm.Status,
			IP: vm.PublicIP, IPv6: vm.IPv6, PlanSlug: vm.PlanSlug, Region: localName(LocaleOf(c), vm.RegionNameFA, vm.RegionNameEN), VCPUs: vm.VCPUs, MemoryMB: vm.MemoryMB, DiskGB: vm.DiskGB,
			CreatedAt: vm.CreatedAt, Busy: vm.Busy, NodeDown: vm.NodeDown})
	}
	var buf bytes.Buffer
	if err := views.VMTable(s, v).Render(ctx, &buf); err != nil {
		return cachedAnswer{}, err
	}
	return cachedAnswer{body: buf.Bytes()}, nil
}

// listVMsJSON answers the API's list: 304 when the client holds this page at
// the customer's current version, the encoding kept from the last time when
// the server does, and only otherwise a read and an encoding (kept for next time).
func (h *Handlers) listVMsJSON(c echo.Context, p services.Principal, in services.ListInput) error {
	ctx := c.Request().Context()
	ver, err := h.VMs.Version(ctx, p)
	if err != nil {
		return err
	}
	keep := listFilters(in)
	_, pretty := c.QueryParams()["pretty"]
	if pretty {
		keep.Set("pretty", "")
	}
	id := answerFor("api-vms", c, p, append(listParams(in), strconv.FormatBool(pretty))...)
	tag, key := id.at(ver)
	if e, ok := h.answers.get(key, tag); ok {
		e.setHeaders(c)
		if fresh(c, tag) {
			return notModified(c)
		}
		return blob(c, http.StatusOK, echo.MIMEApplicationJSON, e.body)
	}
	vms, total, err := h.VMs.List(ctx, p, in)
	if err != nil {
		return err
	}
	body := apiVMList{VMs: make([]apiVM, 0, len(vms)), Meta: apiMeta{Total: total, Limit: in.Limit, Offset: in.Offset}}
	for _, v := range vms {
		body.VMs = append(body.VMs, vmJSON(v, h.backupPrice(v)))
	}
	setPageLinks(c, keep, total, in.Limit, in.Offset)
	var b []byte
	if pretty {
		if b, err = encodeJSON(c, body); err != nil {
			return err
		}
	} else {
		b = encodeVMList(body)
	}
	h.answers.put(key, cachedAnswer{tag: tag, body: b, headers: keptHeaders(c, "Link")})
	if fresh(c, tag) {
		return notModified(c)
	}
	return blob(c, http.StatusOK, echo.MIMEApplicationJSON, b)
}
