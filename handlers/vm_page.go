package handlers

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/views"
	"abrak/vmstatus"
)

// The VM handlers serve both doors: the same handler answers /api/v1/… with
// JSON and the dashboard's path with a page (or, for htmx, the part of it that
// changed). Input comes from a JSON body on the API and from form fields in
// the dashboard; either way the same service method does the work.

// apiDoor reports a request that came through the JSON API.
func apiDoor(c echo.Context) bool { return strings.HasPrefix(c.Request().URL.Path, "/api/") }

// actor is the request's principal; the middleware of either door has set it.
func actor(c echo.Context) (services.Principal, error) {
	p, ok := PrincipalOf(c)
	if !ok {
		return p, services.Unauthorized("error.unauthorized")
	}
	return p, nil
}

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
	return page(c, http.StatusOK, views.VMsPage(s, v, table), table)
}

// listParams are what a list's answer is drawn from, for its key and tag.
func listParams(in services.ListInput) []string {
	return []string{in.Q, in.Status, strconv.Itoa(in.Limit), strconv.Itoa(in.Offset)}
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
		body.VMs = append(body.VMs, vmJSON(v))
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

// GetVM is GET /api/v1/vms/{uuid} and GET /vms/{uuid}; the page's live part
// alone for htmx, which polls it while something is in progress.
func (h *Handlers) GetVM(c echo.Context) error {
	p, err := actor(c)
	if err != nil {
		return err
	}
	if apiDoor(c) {
		vm, err := h.VMs.Get(c.Request().Context(), p, c.Param("uuid"))
		if err != nil {
			return err
		}
		return h.vmJSONResponse(c, http.StatusOK, vm)
	}
	if isHTMX(c) {
		return h.vmLive(c, p)
	}
	v, err := h.vmPageView(c, p, c.Param("uuid"), true)
	if err != nil {
		return err
	}
	v.Tab = views.ParseVMTab(c.QueryParam("tab"))
	s := h.shell(c, "vm.page_title", "vms")
	return render(c, http.StatusOK, views.VMPage(s, v))
}

// vmLive is the VM page's poll: the live part alone, 304 when the browser
// holds it at the customer's current version, else the drawing kept from the
// last time, else drawn (and kept). Its forms carry the CSRF token, so the
// token is part of what it is drawn from.
func (h *Handlers) vmLive(c echo.Context, p services.Principal) error {
	ver, err := h.VMs.Version(c.Request().Context(), p)
	if err != nil {
		return err
	}
	csrf := csrfOf(c)
	// live is what the page was drawn with: "true", "false", or anything else
	// (which, like a change, asks for a reload).
	was := c.QueryParam("live")
	if was != "" && was != "true" && was != "false" {
		was = "?"
	}
	id := answerFor("vm-live", c, p, was, csrf)
	tag, key := id.at(ver)
	if fresh(c, tag) {
		return notModified(c)
	}
	e, ok := h.answers.get(key, tag)
	if !ok {
		v, err := h.vmPageView(c, p, c.Param("uuid"), false)
		if err != nil {
			unfresh(c)
			return err
		}
		// A page drawn while the VM was being built has no rename, settings or
		// delete forms, and polling swaps only the live part: reload it whole
		// once the VM can be operated on (or no longer can).
		if was != "" && was != strconv.FormatBool(v.VM.Live()) {
			c.Response().Header().Set("HX-Refresh", "true")
		}
		var buf bytes.Buffer
		if err := views.VMLiveAnswer(h.shell(c, "vm.page_title", "vms"), v).Render(c.Request().Context(), &buf); err != nil {
			return err
		}
		e = cachedAnswer{tag: tag, body: buf.Bytes(), headers: keptHeaders(c, "HX-Refresh")}
		h.answers.put(key, e)
	}
	e.setHeaders(c)
	return blob(c, http.StatusOK, echo.MIMETextHTMLCharsetUTF8, e.body)
}

func (h *Handlers) vmJSONResponse(c echo.Context, status int, vm services.VM) error {
	return c.JSON(status, apiVMBody{VM: vmJSON(vm)})
}

// pageActions and pageEvents bound what the VM page lists.
const (
	pageActions = 20
	pageEvents  = 20
)

// vmPageView gathers what the VM page shows: the part that changes by itself
// (one read model, VMs.Page), and for the whole page (full) the forms that
// change it, with the catalog and snapshots they offer. The page's 2-second
// poll draws only the first.
func (h *Handlers) vmPageView(c echo.Context, p services.Principal, uuid string, full bool) (views.VMPageView, error) {
	pg, err := h.VMs.Page(c.Request().Context(), p, uuid, pageActions, pageEvents)
	if err != nil {
		return views.VMPageView{}, err
	}
	vm := pg.VM
	v := views.VMPageView{PasswordMin: services.MinPasswordLen, Busy: vm.Busy, VM: views.VMDetail{
		UUID: vm.UUID, Name: vm.DisplayName, Hostname: vm.Hostname, Status: vm.Status, IP: vm.PublicIP,
		IPv6: vm.IPv6, MAC: vm.MAC, Received: vm.Received, Sent: vm.Sent,
		PlanSlug: vm.PlanSlug, PlanName: localName(LocaleOf(c), vm.PlanNameFA, vm.PlanNameEN), OSName: vm.OSTemplateName, Region: localName(LocaleOf(c), vm.RegionNameFA, vm.RegionNameEN),
		VCPUs: vm.VCPUs, MemoryMB: vm.MemoryMB, DiskGB: vm.DiskGB, PriceHourlyRials: vm.PriceHourly,
		CreatedAt: vm.CreatedAt, Locked: vm.Locked, NodeDown: vm.NodeDown, Held: vm.Held, Suspended: vm.Suspended,
		OrderStatus: vm.Order, Waiting: vm.Waiting, NoAddress: vm.NoAddress, Attempts: vm.Attempts,
	}}
	if vm.Status == vmstatus.Destroyed {
		v.VM.IP, v.VM.IPv6 = "", ""
	}
	for _, a := range pg.Actions {
		v.Actions = append(v.Actions, views.VMActionRow{ID: a.ID, Type: a.Type, Status: a.Status, Error: a.Error,
			StartedAt: a.StartedAt, CompletedAt: a.CompletedAt})
		v.Deleting = v.Deleting || a.Type == "delete" && a.InProgress()
	}
	for _, e := range pg.Events {
		v.Events = append(v.Events, views.ActivityRow{Action: "audit." + e.Action, Severity: e.Severity, Via: e.Via, IP: e.IP, At: e.CreatedAt})
	}
	if !full {
		return v, nil
	}
	return v, h.manageView(c, p, vm, &v)
}

// vmPage renders the VM page again after a dashboard form, with edit applied
// to its view (field errors, a refusal message).
func (h *Handlers) vmPage(c echo.Context, status int, uuid string, edit func(*views.VMPageView)) error {
	p, err := actor(c)
	if err != nil {
		return err
	}
	v, err := h.vmPageView(c, p, uuid, true)
	if err != nil {
		return err
	}
	v.Tab = views.ParseVMTab(c.FormValue("tab"))
	edit(&v)
	return render(c, status, views.VMPage(h.shell(c, "vm.page_title", "vms"), v))
}

// vmBack is where a dashboard form on the VM page leads after it succeeds:
// the page at the tab the form was sent from, at anchor.
func vmBack(c echo.Context, uuid, anchor string) string {
	return views.VMPageURL(uuid, views.ParseVMTab(c.FormValue("tab"))) + anchor
}

// refusal shows an operation's refusal (a conflict, an unavailable node) on
// the VM page, where the customer pressed the button; anything else goes to
// the one error handler.
func (h *Handlers) refusal(c echo.Context, uuid string, err error) error {
	e := services.AsError(err)
	switch e.Status {
	case http.StatusConflict, http.StatusServiceUnavailable, http.StatusForbidden:
		return h.vmPage(c, e.Status, uuid, func(v *views.VMPageView) { v.Message, v.MessageArgs = e.Key, e.Args })
	}
	return err
}

// VMActions is GET /api/v1/vms/{uuid}/actions.
func (h *Handlers) VMActions(c echo.Context) error {
	p, err := actor(c)
	if err != nil {
		return err
	}
	in, err := parseListQuery(url.Values{"limit": c.QueryParams()["limit"], "offset": c.QueryParams()["offset"]})
	if err != nil {
		return err
	}
	acts, total, err := h.VMs.Actions(c.Request().Context(), p, c.Param("uuid"), in.Limit, in.Offset)
	if err != nil {
		return err
	}
	body := apiActionList{Actions: make([]apiAction, 0, len(acts)), Meta: apiMeta{Total: total, Limit: in.Limit, Offset: in.Offset}}
	for _, a := range acts {
		body.Actions = append(body.Actions, actionJSON(LocaleOf(c), a))
	}
	setPageLinks(c, nil, total, in.Limit, in.Offset)
	return c.JSON(http.StatusOK, body)
}

// GetAction is GET /api/v1/actions/{id}.
func (h *Handlers) GetAction(c echo.Context) error {
	p, err := actor(c)
	if err != nil {
		return err
	}
	id, err := idParam(c)
	if err != nil {
		return err
	}
	a, err := h.VMs.Action(c.Request().Context(), p, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiActionBody{Action: actionJSON(LocaleOf(c), a)})
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
