package handlers

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/views"
)

// createFormFields are the order form's fields copied back when it is refused
// (the password never is).
var createFormFields = []string{"region", "plan_slug", "os_template_slug", "auth_mode", "hostname", "display_name", "user_data", "backups_enabled"}

// NewVMForm is GET /vms/new.
func (h *Handlers) NewVMForm(c echo.Context) error {
	return h.createPage(c, http.StatusOK, views.Form{}, nil)
}

// createPage renders the order form. A fresh form carries a new idempotency
// key, so a double-clicked submit orders one VM; a refused form keeps its key.
func (h *Handlers) createPage(c echo.Context, status int, f views.Form, keys map[string]bool) error {
	p, err := actor(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	v := views.VMCreateView{Form: f, KeysChecked: keys, PasswordMin: services.MinPasswordLen,
		IdempotencyKey: c.FormValue("idempotency_key")}
	if v.IdempotencyKey == "" {
		v.IdempotencyKey = newFormKey()
	}
	if v.Regions, v.Plans, v.Templates, err = h.catalogOptions(c); err != nil {
		return err
	}
	if h.SSHKeys != nil {
		ks, err := h.SSHKeys.List(ctx, p)
		if err != nil {
			return err
		}
		for _, k := range ks {
			v.SSHKeys = append(v.SSHKeys, views.SSHKeyOption{ID: k.ID, Name: k.Name, Fingerprint: k.Fingerprint})
		}
	}
	if u, err := h.Accounts.User(ctx, p.UserID); err == nil {
		v.BalanceRials = u.BalanceRials
	}
	// A fresh form starts on the first choice of each list, and on the
	// customer's SSH keys when they have any (a key is the safer way in).
	if v.Form.Values == nil {
		v.Form.Values = map[string]string{"auth_mode": "password"}
		if len(v.SSHKeys) > 0 {
			v.Form.Values["auth_mode"] = "ssh_key"
			v.KeysChecked = map[string]bool{}
			for _, k := range v.SSHKeys {
				v.KeysChecked[strconv.FormatInt(k.ID, 10)] = true
			}
		}
		if len(v.Regions) > 0 {
			v.Form.Values["region"] = v.Regions[0].Slug
		}
		if len(v.Plans) > 0 {
			v.Form.Values["plan_slug"] = v.Plans[0].Slug
		}
		if len(v.Templates) > 0 {
			v.Form.Values["os_template_slug"] = v.Templates[0].Slug
		}
	}
	return render(c, status, views.VMCreatePage(h.shell(c, "vm.new", "vms"), v))
}

func newFormKey() string {
	b := make([]byte, 16)
	rand.Read(b)
	return "form-" + hex.EncodeToString(b)
}

// CreateVM is POST /api/v1/vms (JSON) and POST /vms (the order form).
func (h *Handlers) CreateVM(c echo.Context) error {
	p, err := actor(c)
	if err != nil {
		return err
	}
	var in services.CreateVMInput
	api := apiDoor(c)
	if api {
		var body apiCreateVM
		if err := decodeJSON(c, &body); err != nil {
			return err
		}
		if in, err = h.createInput(c.Request().Context(), p, body); err != nil {
			return err
		}
		in.IdempotencyKey = c.Request().Header.Get("Idempotency-Key")
		if len(in.IdempotencyKey) > 255 {
			return services.Invalid(map[string]string{"idempotency_key": "form.too_long"})
		}
	} else {
		in, err = createFormInput(c)
		if err != nil {
			return h.refusedOrder(c, err)
		}
	}
	o, err := h.VMs.Create(c.Request().Context(), p, in)
	if err != nil {
		if api {
			return err
		}
		return h.refusedOrder(c, err)
	}
	return h.orderedAnswer(c, o)
}

// orderedAnswer answers an order that was paid and kept (a new VM, or one
// built from a backup): on the API 202 with the VM, or 503 while no
// hypervisor took it yet, either way with where to watch it; on the
// dashboard the new VM's page, with a flash that says which.
func (h *Handlers) orderedAnswer(c echo.Context, o services.Ordered) error {
	if apiDoor(c) {
		setLocation(c, "/api/v1/vms/"+o.VM.UUID)
		if o.RootPassword != "" {
			// Shown once, in whichever answer this is (a waiting order's 503 too).
			c.Set(rootPasswordKey, o.RootPassword)
		}
		if o.Waiting != "" {
			return services.Unavailable(o.Waiting, nil)
		}
		return c.JSON(http.StatusAccepted, apiOrderedBody{VM: vmJSON(o.VM, h.backupPrice(o.VM)), RootPassword: o.RootPassword})
	}
	switch o.Waiting {
	case "vm.region_full":
		h.flash(c, "vm.ordered_waiting_address")
	case "":
		h.flash(c, "vm.ordered")
	default:
		h.flash(c, "vm.ordered_waiting")
	}
	return redirect(c, "/vms/"+o.VM.UUID)
}

// createFormInput reads the order form.
func createFormInput(c echo.Context) (services.CreateVMInput, error) {
	in := services.CreateVMInput{
		PlanSlug: c.FormValue("plan_slug"), OSTemplateSlug: c.FormValue("os_template_slug"),
		AuthMode: c.FormValue("auth_mode"), DisplayName: c.FormValue("display_name"),
		Hostname: c.FormValue("hostname"), Region: c.FormValue("region"),
		UserData:       strings.ReplaceAll(c.FormValue("user_data"), "\r\n", "\n"),
		IdempotencyKey: c.FormValue("idempotency_key"),
		BackupsEnabled: c.FormValue("backups_enabled") != "",
	}
	// Only the chosen mode's secret is sent on, so switching modes in the form
	// does not leave a half-typed password in an SSH key order.
	switch in.AuthMode {
	case "password":
		in.CustomPassword = c.FormValue("custom_password")
	case "ssh_key":
		form, err := c.FormParams()
		if err != nil {
			return in, err
		}
		for _, s := range form["ssh_key_ids"] {
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return in, services.Invalid(map[string]string{"ssh_key_ids": "vm.ssh_keys_unknown"})
			}
			in.SSHKeyIDs = append(in.SSHKeyIDs, id)
		}
	}
	return in, nil
}

// refusedOrder shows the order form again with what was wrong, or hands
// anything that is not about the input to the error handler.
func (h *Handlers) refusedOrder(c echo.Context, err error) error {
	f, status, ferr := formFor(c, err, formValues(c, createFormFields...))
	if ferr != nil {
		return ferr
	}
	keys := map[string]bool{}
	if form, perr := c.FormParams(); perr == nil {
		for _, id := range form["ssh_key_ids"] {
			keys[id] = true
		}
	}
	return h.createPage(c, status, f, keys)
}

// AddKeyInOrder is POST /vms/new/ssh-keys: the order form's "add a key",
// which stores the key and draws the form again with it ticked and SSH keys
// chosen, keeping everything else the customer chose.
func (h *Handlers) AddKeyInOrder(c echo.Context) error {
	p, err := actor(c)
	if err != nil {
		return err
	}
	keys := map[string]bool{}
	if form, perr := c.FormParams(); perr == nil {
		for _, id := range form["ssh_key_ids"] {
			keys[id] = true
		}
	}
	k, err := h.SSHKeys.Add(c.Request().Context(), p, c.FormValue("name"), c.FormValue("public_key"))
	if err != nil {
		f, status, ferr := formFor(c, err, formValues(c, append(createFormFields, "name", "public_key")...))
		if ferr != nil {
			return ferr
		}
		f.Values["auth_mode"] = "ssh_key"
		return h.createPage(c, status, f, keys)
	}
	keys[strconv.FormatInt(k.ID, 10)] = true
	f := views.Form{Values: formValues(c, createFormFields...)}
	f.Values["auth_mode"] = "ssh_key"
	return h.createPage(c, http.StatusOK, f, keys)
}
