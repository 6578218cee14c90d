package web_test

import (
	"testing"
)

// Seed 002's wait_for on a shutdown and a resize, and on the typed actions
// that are them: minutes above 0 and at most 15; beyond that the request is a
// 422 that names the field, before the VM's node is asked anything.
func TestWaitForBeyondItsMaximumIsRefusedNamingTheField(t *testing.T) {
	w := newVMWorld(t)
	settle(t, w.a, w.web, "running")
	runAPIRows(t, w, []apiRow{
		{name: "a shutdown told to wait 16 minutes", method: "POST", path: "/api/v1/vms/{web}/power/shutdown", token: anaToken,
			body: `{"wait_for": 16}`, status: 422, fields: []string{"wait_for"}},
		{name: "a shutdown told to wait no time", method: "POST", path: "/api/v1/vms/{web}/power/shutdown", token: anaToken,
			body: `{"wait_for": 0}`, status: 422, fields: []string{"wait_for"}},
		{name: "a resize told to wait an hour", method: "POST", path: "/api/v1/vms/{web}/resize", token: anaToken,
			body: `{"plan_slug": "pro", "wait_for": 60}`, status: 422, fields: []string{"wait_for"}},
		{name: "the typed shutdown told to wait 20 minutes", method: "POST", path: "/api/v1/vms/{web}/actions", token: anaToken,
			body: `{"type": "shutdown", "wait_for": 20}`, status: 422, fields: []string{"wait_for"}},
		{name: "the typed resize told to wait 20 minutes", method: "POST", path: "/api/v1/vms/{web}/actions", token: anaToken,
			body: `{"type": "resize", "resource": "cpu", "size": 2, "wait_for": 20}`, status: 422, fields: []string{"wait_for"}},
		{name: "a power action with a field it does not take", method: "POST", path: "/api/v1/vms/{web}/power/shutdown", token: anaToken,
			body: `{"wait": 2}`, status: 422, fields: []string{"wait"}},
	})
}
