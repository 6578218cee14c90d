package handlers

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"abrak/views"
)

func (h *Handlers) sshKeysPage(c echo.Context, status int, f views.Form) error {
	p, _ := PrincipalOf(c)
	keys, err := h.SSHKeys.List(c.Request().Context(), p)
	if err != nil {
		return err
	}
	v := views.SSHKeysView{Form: f}
	for _, k := range keys {
		typ, _, _ := strings.Cut(k.PublicKey, " ")
		v.Keys = append(v.Keys, views.SSHKeyRow{ID: k.ID, Name: k.Name, Type: typ, Fingerprint: k.Fingerprint, CreatedAt: k.CreatedAt})
	}
	return render(c, status, views.SSHKeysPage(h.shell(c, "nav.ssh_keys", "ssh-keys"), v))
}

// SSHKeysPage lists the customer's SSH keys with the add form.
func (h *Handlers) SSHKeysPage(c echo.Context) error {
	return h.sshKeysPage(c, http.StatusOK, views.Form{})
}

// AddSSHKey stores a key from the dashboard form.
func (h *Handlers) AddSSHKey(c echo.Context) error {
	p, _ := PrincipalOf(c)
	if _, err := h.SSHKeys.Add(c.Request().Context(), p, c.FormValue("name"), c.FormValue("public_key")); err != nil {
		f, status, err := formFor(c, err, formValues(c, "name", "public_key"))
		if err != nil {
			return err
		}
		return h.sshKeysPage(c, status, f)
	}
	h.flash(c, "sshkeys.added")
	return redirect(c, "/ssh-keys")
}

// DeleteSSHKey removes a key from the dashboard.
func (h *Handlers) DeleteSSHKey(c echo.Context) error {
	p, _ := PrincipalOf(c)
	id, err := idParam(c)
	if err != nil {
		return err
	}
	if err := h.SSHKeys.Delete(c.Request().Context(), p, id); err != nil {
		return err
	}
	h.flash(c, "sshkeys.deleted")
	return redirect(c, "/ssh-keys")
}

// APISSHKeys is GET /api/v1/ssh-keys.
func (h *Handlers) APISSHKeys(c echo.Context) error {
	p, _ := PrincipalOf(c)
	keys, err := h.SSHKeys.List(c.Request().Context(), p)
	if err != nil {
		return err
	}
	out := make([]apiSSHKey, 0, len(keys))
	for _, k := range keys {
		out = append(out, sshKeyJSON(k))
	}
	return c.JSON(http.StatusOK, map[string][]apiSSHKey{"ssh_keys": out})
}

// APISSHKey is GET /api/v1/ssh-keys/{id}.
func (h *Handlers) APISSHKey(c echo.Context) error {
	p, _ := PrincipalOf(c)
	id, err := idParam(c)
	if err != nil {
		return err
	}
	k, err := h.SSHKeys.Get(c.Request().Context(), p, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]apiSSHKey{"ssh_key": sshKeyJSON(k)})
}

// APICreateSSHKey is POST /api/v1/ssh-keys with {"name", "public_key"}.
func (h *Handlers) APICreateSSHKey(c echo.Context) error {
	p, _ := PrincipalOf(c)
	var in apiCreateSSHKey
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	k, err := h.SSHKeys.Add(c.Request().Context(), p, in.Name, in.PublicKey)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/ssh-keys/"+strconv.FormatInt(k.ID, 10))
	return c.JSON(http.StatusCreated, map[string]apiSSHKey{"ssh_key": sshKeyJSON(k)})
}

// APIDeleteSSHKey is DELETE /api/v1/ssh-keys/{id}.
func (h *Handlers) APIDeleteSSHKey(c echo.Context) error {
	p, _ := PrincipalOf(c)
	id, err := idParam(c)
	if err != nil {
		return err
	}
	if err := h.SSHKeys.Delete(c.Request().Context(), p, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
