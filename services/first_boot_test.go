package services_test

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"abrak/vmstatus"
)

// naiveProbe powers the machine off straight from the boot sector, in real mode:
// a probe that misses a kvm which faults later, once a boot loader runs.
var naiveProbe = func() []byte {
	b := make([]byte, 512)
	copy(b, []byte{0xba, 0x04, 0x06, 0xb8, 0x00, 0x20, 0xef, 0xf4, 0xeb, 0xfd}) // mov $0x604,%dx; mov $0x2000,%ax; out; hlt; jmp .-1
	b[510], b[511] = 0x55, 0xaa
	return b
}()

// Where kvm passes the probe but a guest then crashes under it, the VM is not
// handed over broken: the provisioner moves the node to software emulation and
// rebuilds the VM there, and the order completes once, charged once. Only a
// /dev/kvm that faults shows it: a naive probe passes there and the guest crashes
// later with KVM's internal error, which no other host produces.
func TestAFirstBootCrashUnderKVMIsRebuiltUnderQEMU(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, "qemu")
	if caps, err := e.keeper.Capabilities(e.ctx); err != nil || !caps.OffersKVM || caps.Accel.Type == "kvm" {
		t.Skipf("needs a /dev/kvm that opens but faults; this host's: %v", caps.Accel.Reason)
	}
	e.fleet.ProbeDisk = naiveProbe
	owner := e.customer("firstboot@example.com", 10*vmtPrice)
	p := e.openReady(true)
	if st := p.Nodes(); len(st) != 1 || st[0].VirtType != "kvm" {
		t.Fatalf("the naive probe did not pass kvm: %+v", st)
	}
	vm, err := p.Create(e.ctx, owner, vmOrder("first-boot"))
	must(t, err)
	e.waitStatus(vm.UUID, vmstatus.Running, 3*time.Minute)

	st := p.Nodes()[0]
	if st.VirtType != "qemu" || !strings.Contains(st.VirtReason, "first boot") || st.Crashes != 1 {
		t.Fatalf("node after the crash: %+v, want qemu because of the first boot", st)
	}
	if typ := domainType(t, e, vm.UUID); typ != "qemu" {
		t.Fatalf("the VM was handed over as a %s domain", typ)
	}
	if o := e.order(vm.UUID); o.Status != vmstatus.OrderProvisioned || o.Failures != 0 {
		t.Fatalf("order %+v, want provisioned with no failure counted", o)
	}
	if n, sum := e.ledgerRows(owner, "vm_order", vm.UUID); n != 1 || sum != -vmtPrice {
		t.Fatalf("%d order charges summing %d, want one of %d", n, sum, vmtPrice)
	}
	// Under kvm it stopped 4–5 s after start: give it twice that under qemu.
	time.Sleep(10 * time.Second)
	if got := e.domains()[vm.UUID]; got != vmstatus.Running {
		t.Fatalf("10 s later the domain is %q", got)
	}
}

// domainType asks libvirt, as an operator would with virsh, which accelerator a domain is defined for.
func domainType(t *testing.T, e *vmEnv, uuid string) string {
	t.Helper()
	out, err := exec.Command("virsh", "-c", "qemu+unix:///system?socket="+e.daemon.Socket, "dumpxml", uuid).Output()
	must(t, err)
	m := regexp.MustCompile(`<domain type='(\w+)'`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no domain type in:\n%s", out)
	}
	return string(m[1])
}
