package services_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"abrak/services"
	"abrak/store"
	"abrak/vmstatus"
)

// A customer's script hears of a VM's life from real operations on a node
// (libvirt's test driver): the VM created, its status changing when its owner
// shuts it down, the shutdown's action completed, each signed, a VM's events
// in the order they happened.
func TestWebhookEventsFromAVMsLife(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "test")
	ctx := e.ctx
	owner := e.customer("owner@example.com", 10*vmtPrice)

	type event struct {
		ID, Type string
		Data     map[string]any
	}
	var mu sync.Mutex
	var got []event
	bad := 0
	var secret string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var ev event
		_ = json.Unmarshal(body, &ev)
		mu.Lock()
		defer mu.Unlock()
		if services.Sign(secret, r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp"), body) != r.Header.Get("webhook-signature") {
			bad++
		}
		got = append(got, ev)
	}))
	defer srv.Close()
	hooks := services.NewWebhooks(e.db, services.NewAudit(e.db, e.log), nil, e.log, services.WebhookConfig{AllowLoopback: true})
	u := srv.URL
	hook, err := hooks.Create(ctx, owner, services.WebhookInput{URL: &u, Events: []string{
		services.EventVMCreated, services.EventVMStatusChanged, services.EventActionCompleted, services.EventActionErrored}})
	must(t, err)
	secret = hook.Secret

	p := e.openReady(true)
	vm, err := p.Create(ctx, owner, vmOrder("web"))
	must(t, err)
	e.waitStatus(vm.UUID, vmstatus.Running, 20*time.Second)
	a, err := p.Power(ctx, owner, vm.UUID, "shutdown")
	must(t, err)
	if a = waitAction(t, p, owner, a.ID); a.Status != store.ActionCompleted {
		t.Fatalf("shutdown: %+v", a)
	}
	e.waitStatus(vm.UUID, vmstatus.Stopped, 30*time.Second)

	// The deliveries were queued as it happened; a pass of the worker sends them.
	seen := func(typ, key, value string) bool {
		for _, ev := range got {
			if ev.Type == typ && ev.Data[key] == value {
				return true
			}
		}
		return false
	}
	eventually(t, 30*time.Second, "the receiver hears of the shutdown", func() (bool, string) {
		hooks.DeliverDue(ctx)
		mu.Lock()
		defer mu.Unlock()
		return seen(services.EventVMStatusChanged, "status", string(vmstatus.Stopped)) && seen(services.EventActionCompleted, "type", "shutdown"),
			strings.Join(typesOf(got, func(ev event) string { return ev.Type }), " ")
	})
	mu.Lock()
	defer mu.Unlock()
	if bad != 0 {
		t.Fatalf("%d deliveries failed the signature check", bad)
	}
	if !seen(services.EventVMCreated, "uuid", vm.UUID) {
		t.Errorf("no vm.created for %s among %v", vm.UUID, typesOf(got, func(ev event) string { return ev.Type }))
	}
	var statuses []string
	for _, ev := range got {
		if ev.Type == services.EventVMStatusChanged {
			if ev.Data["uuid"] != vm.UUID {
				t.Errorf("a status change of another VM: %v", ev.Data)
			}
			statuses = append(statuses, ev.Data["previous_status"].(string)+"→"+ev.Data["status"].(string))
		}
	}
	want := []string{"creating→running", "running→stopped"}
	if !slices.Equal(statuses, want) {
		t.Errorf("the status changes arrived as %v, want %v", statuses, want)
	}
}

func typesOf[T any](xs []T, f func(T) string) []string {
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}
