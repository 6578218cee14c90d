package handlers

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"abrak/calendar"
	"abrak/services"
	"abrak/views"
	"abrak/views/i18n"
	"abrak/vmstatus"
)

// GetVM is GET /api/v1/vms/{uuid} and GET /vms/{uuid}; the page's live part
// alone for htmx, which polls it while something is in progress.
func (h *Handlers) GetVM(c echo.Context) error {
	p, err := actor(c)
	if err != nil {
		return err
	}
	if apiDoor(c) {
		ctx := c.Request().Context()
		vm, err := h.VMs.Get(ctx, p, c.Param("uuid"))
		if err != nil {
			return err
		}
		u, err := h.VMs.Usage(ctx, p, vm.UUID)
		if err != nil {
			return err
		}
		body := vmJSON(vm, h.backupPrice(vm))
		body.ResourceUsage = &apiResourceUsage{CPUPercent: u.CPUPercent, MemoryPercent: u.MemoryPercent,
			DiskPercent: u.DiskPercent, BandwidthUsed: u.BandwidthUsed}
		// A hypervisor that does not answer leaves snapshot_ids out rather
		// than failing the whole answer.
		if snaps, err := h.VMs.Snapshots(ctx, p, vm.UUID); err == nil {
			ids := make([]string, len(snaps))
			for i, s := range snaps {
				ids[i] = s.Name
			}
			body.SnapshotIDs = &ids
		}
		return c.JSON(http.StatusOK, apiVMBody{VM: body})
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
	id := answerFor("vm-live", c, p, was, csrf, c.QueryParam("power"))
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
	v := views.VMPageView{PasswordMin: services.MinPasswordLen, Busy: vm.Busy, RecycleGrace: h.VMs.RecycleGrace(), VM: views.VMDetail{
		UUID: vm.UUID, Name: vm.DisplayName, Hostname: vm.Hostname, Status: vm.Status, IP: vm.PublicIP, AdminLockReason: vm.AdminLockReason,
		IPv6: vm.IPv6, MAC: vm.MAC, Received: vm.Received, Sent: vm.Sent,
		PlanSlug: vm.PlanSlug, PlanName: localName(LocaleOf(c), vm.PlanNameFA, vm.PlanNameEN), OSName: vm.OSTemplateName, Region: localName(LocaleOf(c), vm.RegionNameFA, vm.RegionNameEN),
		VCPUs: vm.VCPUs, MemoryMB: vm.MemoryMB, DiskGB: vm.DiskGB, PriceHourlyRials: vm.PriceHourly,
		CreatedAt: vm.CreatedAt, DeletedAt: vm.DeletedAt, PurgeAt: vm.PurgeAt, HourlyRials: vm.HourlyCost(), Locked: vm.Locked, NodeDown: vm.NodeDown, Held: vm.Held, Suspended: vm.Suspended,
		OrderStatus: vm.Order, Waiting: vm.Waiting, NoAddress: vm.NoAddress, Attempts: vm.Attempts,
	}}
	if vm.Status == vmstatus.Destroyed {
		v.VM.IP, v.VM.IPv6 = "", ""
	}
	if full {
		m, err := h.VMs.NodeMaintenance(c.Request().Context(), p, uuid)
		if err != nil {
			return views.VMPageView{}, err
		}
		v.Maintenance = views.MaintenanceNotice{On: m.On, Until: m.Until, Reason: m.Reason}
	}
	// Traffic in the customer's month, as their statements count it.
	month := calendar.At(time.Now(), LocaleOf(c) == i18n.FA)
	if v.VM.Received, v.VM.Sent, err = h.VMs.MonthTraffic(c.Request().Context(), p, uuid, month); err != nil {
		return v, err
	}
	v.VM.TrafficYear, v.VM.TrafficMonth, v.VM.TrafficJalali = month.Year, month.Number, month.Jalali
	v.Following, _ = strconv.ParseInt(c.QueryParam("power"), 10, 64)
	for _, a := range pg.Actions {
		v.Actions = append(v.Actions, views.VMActionRow{ID: a.ID, Type: a.Type, Status: a.Status, Error: a.Error,
			StartedAt: a.StartedAt, CompletedAt: a.CompletedAt, Progress: a.Progress})
		v.Deleting = v.Deleting || a.Type == "delete" && a.InProgress()
	}
	for _, e := range pg.Events {
		v.Events = append(v.Events, views.ActivityRow{Action: "audit." + e.Action, Severity: e.Severity, Via: e.Via, IP: e.IP, At: e.CreatedAt})
	}
	if !full {
		return v, nil
	}
	if err := h.manageView(c, p, vm, &v); err != nil {
		return v, err
	}
	if err := h.backupsView(c, p, vm, &v); err != nil {
		return v, err
	}
	alerts, err := h.VMs.Alerts(c.Request().Context(), p, vm.UUID)
	for _, a := range alerts {
		v.Alerts.List = append(v.Alerts.List, views.AlertRow{ID: a.ID, Kind: a.Kind, Threshold: a.Threshold, Minutes: a.Minutes, Firing: a.Firing})
	}
	v.GraphRanges = services.GraphRanges
	return v, err
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

// snapshotListTimeout bounds how long the VM page waits for its node's snapshot list.
const snapshotListTimeout = 3 * time.Second

// manageView fills the page's Manage part: plans, templates and, when the
// page shows the forms, the node's snapshots.
func (h *Handlers) manageView(c echo.Context, p services.Principal, vm services.VM, v *views.VMPageView) error {
	ctx := c.Request().Context()
	v.Manage.MaxSnapshots = services.MaxSnapshots
	if !v.VM.Live() {
		return nil
	}
	plans, err := h.VMs.Plans(ctx)
	if err != nil {
		return services.Internal(err)
	}
	for _, pl := range plans {
		v.Manage.Plans = append(v.Manage.Plans, views.ManagePlan{Slug: pl.Slug, Name: planName(LocaleOf(c), pl),
			VCPUs: pl.VCPUs, MemoryMB: pl.MemoryMB, DiskGB: pl.DiskGB, PriceHourlyRials: pl.PriceHourlyRials, PriceMonthlyRials: pl.PriceHourlyRials * hoursPerMonth,
			Current: pl.Slug == vm.PlanSlug, DiskTooSmall: pl.DiskGB < vm.DiskGB})
	}
	tmpls, err := h.VMs.OSTemplates(ctx)
	if err != nil {
		return services.Internal(err)
	}
	for _, t := range tmpls {
		if t.MinDiskGB <= vm.DiskGB {
			v.Manage.Templates = append(v.Manage.Templates, views.ManageTemplate{Slug: t.Slug, Name: t.Name, Current: t.Slug == vm.OSTemplateSlug})
		}
	}
	isos, err := h.VMs.ISOs(ctx)
	if err != nil {
		return services.Internal(err)
	}
	v.Manage.BootNow = vm.Boot
	for _, iso := range isos {
		v.Manage.ISOs = append(v.Manage.ISOs, views.ManageTemplate{Slug: iso.Slug, Name: iso.Name, Current: iso.Slug == vm.BootISO})
		if iso.Slug == vm.BootISO {
			v.Manage.BootISO = iso.Name
		}
	}
	lctx, cancel := context.WithTimeout(ctx, snapshotListTimeout)
	defer cancel()
	snaps, err := h.VMs.Snapshots(lctx, p, vm.UUID)
	if err != nil {
		v.Manage.SnapshotsUnknown = true
		return nil
	}
	for _, s := range snaps {
		v.Manage.Snapshots = append(v.Manage.Snapshots, views.SnapshotRow{Name: s.Name, DisplayName: s.DisplayName, CreatedAt: s.CreatedAt, Current: s.Current})
	}
	return nil
}
