package services_test

// Emptying a node of real QEMU guests: two nodes of one region on private
// libvirtds that share a network namespace and its bridge (testkit's
// QEMUPanel and AddNode), the panel's own workers doing the moves.

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"abrak/app"
	"abrak/services"
	"abrak/store"
	"abrak/testkit"
	"abrak/vmstatus"
)

const guestPassword = "Drain-Strong-Pass-42"

// drainCustomer is a customer of the panel whose address is confirmed (the
// panel sends mail) and who reads English.
func drainCustomer(t *testing.T, qp *testkit.QEMUPanel, email string) services.Principal {
	t.Helper()
	u := qp.Customer(t, email)
	_, err := qp.DB.W.Exec(`UPDATE users SET email_verified_at = unixepoch(), locale = 'en' WHERE id = ?`, u.ID)
	must(t, err)
	return qp.PrincipalOf(t, email)
}

// qemuVM orders a VM on the panel and waits until it runs; it returns its record.
func qemuVM(t *testing.T, qp *testkit.QEMUPanel, who services.Principal, name string) store.VM {
	t.Helper()
	ctx := context.Background()
	o, err := qp.VMs.Create(ctx, who, services.CreateVMInput{PlanSlug: testkit.QEMUPlan, OSTemplateSlug: testkit.QEMUTemplate,
		Region: testkit.QEMURegion, AuthMode: "password", CustomPassword: guestPassword, DisplayName: name, Hostname: name})
	must(t, err)
	var vm store.VM
	eventually(t, 4*time.Minute, name+" runs", func() (bool, string) {
		vm, err = qp.DB.VMByUUID(ctx, o.VM.UUID)
		must(t, err)
		return vm.Status == vmstatus.Running, string(vm.Status) + " " + vm.OrderError
	})
	return vm
}

// holdsNothingOf fails when the node has a domain or a volume of the VM.
func holdsNothingOf(t *testing.T, qp *testkit.QEMUPanel, node store.Node, uuid string) {
	t.Helper()
	if _, ok := qp.DomainsOn(t, node)[uuid]; ok {
		t.Errorf("%s still has the domain of %s", node.Name, uuid)
	}
	n, err := qp.Fleet.Node(node.ID)
	must(t, err)
	vols, err := n.Volumes(context.Background())
	must(t, err)
	for _, v := range vols {
		if strings.Contains(v, uuid) {
			t.Errorf("%s still holds %s", node.Name, v)
		}
	}
}

// pinger pings an address from the gateway every 200 ms until stop.
type pinger struct {
	cmd     *exec.Cmd
	mu      sync.Mutex
	summary string
	done    chan struct{}
}

func startPing(t *testing.T, netns, addr string) *pinger {
	t.Helper()
	p := &pinger{cmd: exec.Command("ip", "netns", "exec", netns, "ping", "-n", "-i", "0.2", "-W", "1", addr), done: make(chan struct{})}
	out, err := p.cmd.StdoutPipe()
	must(t, err)
	must(t, p.cmd.Start())
	t.Cleanup(func() { p.cmd.Process.Kill(); p.cmd.Wait() })
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "transmitted") {
				p.mu.Lock()
				p.summary = sc.Text()
				p.mu.Unlock()
			}
		}
	}()
	return p
}

var pingSummary = regexp.MustCompile(`(\d+) packets transmitted, (\d+) received`)

// stop ends the stream and says how many pings went out and how many were lost.
func (p *pinger) stop(t *testing.T) (sent, lost int) {
	t.Helper()
	must(t, p.cmd.Process.Signal(os.Interrupt))
	<-p.done
	p.cmd.Wait()
	m := pingSummary.FindStringSubmatch(p.summary)
	if m == nil {
		t.Fatalf("ping's summary: %q", p.summary)
	}
	sent, _ = strconv.Atoi(m[1])
	received, _ := strconv.Atoi(m[2])
	return sent, sent - received
}

// uptime is how long the guest has run, in seconds, as it says over SSH.
func uptime(t *testing.T, g testkit.GuestLogin, addr string) float64 {
	t.Helper()
	out, err := g.Run(addr, "cut -d' ' -f1 /proc/uptime", nil)
	must(t, err)
	s, err := strconv.ParseFloat(out, 64)
	must(t, err)
	return s
}

// An operator empties a node with a running guest and a stopped one: both end
// on the region's other node, the running one still running (live: it never
// rebooted, and what it wrote on its disk is there) and answering at its
// address, the stopped one still stopped; the old node holds nothing of them;
// each customer's action list shows the move and a letter tells them; the
// node shows as draining.
func TestDrainingANodeMovesItsVMsToAnotherNodeWithoutLosingThem(t *testing.T) {
	t.Parallel()
	ms := testkit.NewMailServer(t)
	qp := testkit.NewQEMUPanel(t, testkit.WithMail(ms))
	ctx := context.Background()
	ana := drainCustomer(t, qp, "ana@example.com")
	web := qemuVM(t, qp, ana, "web")
	off := qemuVM(t, qp, ana, "off")
	_, err := qp.VMs.Power(ctx, ana, off.UUID, "kill")
	must(t, err)
	eventually(t, time.Minute, "off is stopped", func() (bool, string) {
		vm, err := qp.DB.VMByUUID(ctx, off.UUID)
		must(t, err)
		return vm.Status == vmstatus.Stopped && !vm.Locked && vm.OpenActions == 0, string(vm.Status)
	})
	n2, _ := qp.AddNode(t, "qemu-2")

	g := testkit.GuestLogin{Netns: qp.Daemon.Netns, Password: guestPassword}
	g.WaitLogin(t, web.PublicIP, "hostname", 4*time.Minute)
	marker := fmt.Sprintf("written before the move %d", time.Now().UnixNano())
	if _, err := g.Run(web.PublicIP, "echo '"+marker+"' >/data/marker && sync", nil); err != nil {
		t.Fatal(err)
	}
	upBefore := uptime(t, g, web.PublicIP)
	ping := startPing(t, qp.Daemon.Netns, web.PublicIP)

	req, err := qp.Workers.DrainNode(ctx, qp.Node.Name)
	must(t, err)
	var moves []services.Move
	testkit.WaitFor(t, 5*time.Minute, "the drain of "+qp.Node.Name+" ends", func() bool {
		var done bool
		moves, done, err = qp.Workers.DrainProgress(ctx, req)
		must(t, err)
		return done
	})
	g.WaitLogin(t, web.PublicIP, "hostname", time.Minute)
	sent, lost := ping.stop(t)

	byVM := map[string]services.Move{}
	for _, m := range moves {
		byVM[m.VMUUID] = m
	}
	if m := byVM[web.UUID]; m.Status != store.MoveMoved || m.Mode != "live" || m.To != n2.Name {
		t.Fatalf("the running VM's move: %+v", m)
	}
	if m := byVM[off.UUID]; m.Status != store.MoveMoved || m.Mode != "cold" || m.To != n2.Name {
		t.Fatalf("the stopped VM's move: %+v", m)
	}
	t.Logf("live move of a running tiny guest: downtime %s (QEMU's), took %s; ping every 200 ms from the gateway: %d of %d lost",
		byVM[web.UUID].Downtime, byVM[web.UUID].Took, lost, sent)

	for uuid, want := range map[string]vmstatus.Status{web.UUID: vmstatus.Running, off.UUID: vmstatus.Stopped} {
		vm, err := qp.DB.VMByUUID(ctx, uuid)
		must(t, err)
		if vm.NodeID != n2.ID || vm.Status != want || vm.Locked {
			t.Errorf("%s after the drain: node %d, %s, locked %v; want node %d, %s", vm.DisplayName, vm.NodeID, vm.Status, vm.Locked, n2.ID, want)
		}
		if st := qp.DomainsOn(t, n2)[uuid]; st != want {
			t.Errorf("on %s %s is %q, want %s", n2.Name, vm.DisplayName, st, want)
		}
		holdsNothingOf(t, qp, qp.Node, uuid)
		acts, _, err := qp.VMs.Actions(ctx, ana, uuid, 10, 0)
		must(t, err)
		if len(acts) == 0 || acts[0].Type != "migrate" || acts[0].Status != store.ActionCompleted {
			t.Errorf("%s's actions: %+v", vm.DisplayName, acts)
		}
	}
	if got, err := g.Run(web.PublicIP, "cat /data/marker", nil); err != nil || got != marker {
		t.Errorf("on its new node the guest's /data/marker holds %q, %v", got, err)
	}
	if up := uptime(t, g, web.PublicIP); up < upBefore {
		t.Errorf("the guest rebooted during a live move: up %.0f s, was %.0f s before", up, upBefore)
	}

	if m := ms.Await(t, ana.Email, "Your server web was moved to another host for maintenance"); !strings.Contains(m.Text, "kept running") ||
		strings.Contains(m.Text, n2.Name) {
		t.Errorf("the letter of a live move:\n%s", m.Text)
	}
	if m := ms.Await(t, ana.Email, "Your server off was moved to another host for maintenance"); !strings.Contains(m.Text, "still off") {
		t.Errorf("the letter of a stopped VM's move:\n%s", m.Text)
	}

	r := qp.Client(t).Get("/readyz")
	if !regexp.MustCompile(`"name":"` + qp.Node.Name + `"[^}]*"draining":true`).MatchString(r.Body) {
		t.Errorf("/readyz does not show %s draining: %s", qp.Node.Name, r.Body)
	}
}

// A move that fails midway (the target's libvirtd stops while the guest's
// memory and disk are copied) leaves the VM running where it was, answering at
// its address; the node stays draining, and the drain reports the failure,
// as does the customer's action list.
func TestAMoveThatFailsLeavesTheVMRunningWhereItWas(t *testing.T) {
	t.Parallel()
	// A slow copy, so that the target can be stopped in the middle of it.
	qp := testkit.NewQEMUPanel(t, func(c *app.Config) { c.VM.MigrationBandwidthMiB = 1; c.Web.MetricsPublic = true })
	ctx := context.Background()
	ana := drainCustomer(t, qp, "ana@example.com")
	web := qemuVM(t, qp, ana, "web")
	n2, d2 := qp.AddNode(t, "qemu-2")
	g := testkit.GuestLogin{Netns: qp.Daemon.Netns, Password: guestPassword}
	g.WaitLogin(t, web.PublicIP, "hostname", 4*time.Minute)

	req, err := qp.Workers.DrainNode(ctx, qp.Node.Name)
	must(t, err)
	testkit.WaitFor(t, 2*time.Minute, "the move's copy is under way", func() bool {
		acts, _, err := qp.VMs.Actions(ctx, ana, web.UUID, 1, 0)
		must(t, err)
		return len(acts) == 1 && acts[0].Type == "migrate" && acts[0].Progress > 0
	})
	must(t, d2.Stop())
	var moves []services.Move
	testkit.WaitFor(t, 5*time.Minute, "the drain of "+qp.Node.Name+" ends", func() bool {
		var done bool
		moves, done, err = qp.Workers.DrainProgress(ctx, req)
		must(t, err)
		return done
	})
	if len(moves) != 1 || moves[0].Status != store.MoveFailed || moves[0].Error == "" || moves[0].To != n2.Name {
		t.Fatalf("the drain's report: %+v", moves)
	}
	t.Logf("the failed move, as the operator reads it: %s", moves[0].Error)
	vm, err := qp.DB.VMByUUID(ctx, web.UUID)
	must(t, err)
	if vm.NodeID != qp.Node.ID || vm.Locked {
		t.Fatalf("after the failed move the VM is on node %d, locked %v; want %s, unlocked", vm.NodeID, vm.Locked, qp.Node.Name)
	}
	if st := qp.Domains(t)[web.UUID]; st != vmstatus.Running {
		t.Fatalf("on %s the VM is %q after the failed move, want running", qp.Node.Name, st)
	}
	if got := g.WaitLogin(t, web.PublicIP, "hostname", time.Minute); got != "web" {
		t.Fatalf("the VM's hostname %q", got)
	}
	testkit.WaitFor(t, time.Minute, "the reconciler sees the VM running", func() bool {
		vm, err := qp.DB.VMByUUID(ctx, web.UUID)
		must(t, err)
		return vm.Status == vmstatus.Running
	})
	n, err := qp.DB.NodeByName(ctx, qp.Node.Name)
	must(t, err)
	if !n.Draining {
		t.Error("the node stopped draining after a failed move")
	}
	acts, _, err := qp.VMs.Actions(ctx, ana, web.UUID, 1, 0)
	must(t, err)
	if len(acts) != 1 || acts[0].Type != "migrate" || acts[0].Status != store.ActionErrored || acts[0].Error != services.ActionErrMigrateFailed {
		t.Fatalf("the customer's action: %+v", acts)
	}
	if r := qp.APICall(t, http.MethodGet, "/readyz", "", ""); !strings.Contains(r.Body, `"draining":true`) {
		t.Errorf("/readyz: %s", r.Body)
	}
	if r := qp.Client(t).Get("/metrics"); !strings.Contains(r.Body, `abrak_node_draining{node="`+qp.Node.Name+`",region="`+testkit.QEMURegion+`"} 1`) {
		t.Errorf("the metrics do not show %s draining", qp.Node.Name)
	}
}
