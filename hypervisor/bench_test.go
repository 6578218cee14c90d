package hypervisor

import (
	"slices"
	"testing"
	"time"

	"abrak/vmstatus"

	libvirt "github.com/digitalocean/go-libvirt"
)

// Figures for the note; run with
//
//	go test -run '^$' -bench . -benchtime 10x ./hypervisor
//
// The create benchmarks report the median time from the Create call until the
// domain runs; the others set this package's calls beside the bare go-libvirt call.

func BenchmarkCreateToRunningTestDriver(b *testing.B) {
	_, n := testNode(b)
	benchCreate(b, n, testSpec)
}

// BenchmarkCreateToRunningQEMU also times libvirt's own define and start of each
// domain Node.Create made (its XML, its disk and seed already there): the
// yardstick, what is left when Abrak's work (the disk's clone, the seed, the
// XML) is taken away.
func BenchmarkCreateToRunningQEMU(b *testing.B) {
	d := startDaemon(b)
	_, n := qemuNode(b, d, 1)
	ctx := ctxT(b)
	var bare []time.Duration
	benchCreateBeside(b, n, qemuSpec, func(id string) {
		var doc string
		mustDo(b, n.onDomain(ctx, id, func(lv *libvirt.Libvirt, dom libvirt.Domain) (err error) {
			if doc, err = lv.DomainGetXMLDesc(dom, libvirt.DomainXMLSecure|libvirt.DomainXMLInactive); err != nil {
				return err
			}
			if err := lv.DomainDestroy(dom); err != nil {
				return err
			}
			return lv.DomainUndefineFlags(dom, undefineFlags)
		}))
		start := time.Now()
		mustDo(b, n.call(ctx, func(lv *libvirt.Libvirt) error {
			dom, err := lv.DomainDefineXMLFlags(doc, 0)
			if err != nil {
				return err
			}
			return lv.DomainCreate(dom)
		}))
		bare = append(bare, time.Since(start))
	})
	slices.Sort(bare)
	b.ReportMetric(float64(bare[len(bare)/2].Microseconds())/1000, "libvirt-define-start-ms-median")
}

func benchCreate(b *testing.B, n *Node, spec func(string) DomainSpec) {
	benchCreateBeside(b, n, spec, nil)
}

// benchCreateBeside is benchCreate running beside(id), untimed, on each running
// domain before it is deleted.
func benchCreateBeside(b *testing.B, n *Node, spec func(string) DomainSpec, beside func(id string)) {
	ctx := ctxT(b)
	var times []time.Duration
	for b.Loop() {
		id := newUUID()
		start := time.Now()
		mustDo(b, n.Create(ctx, spec(id)))
		if st, err := n.State(ctx, id); err != nil || st != vmstatus.Running {
			b.Fatalf("after create: %q, %v", st, err)
		}
		times = append(times, time.Since(start))
		b.StopTimer()
		if beside != nil {
			beside(id)
		}
		mustDo(b, n.Delete(ctx, id))
		b.StartTimer()
	}
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "ms-median")
}

// statesNode is a test-driver node with 200 domains, two thirds of them running.
func statesNode(b *testing.B) *Node {
	_, n := testNode(b)
	ctx := ctxT(b)
	caps, err := n.Capabilities(ctx)
	mustDo(b, err)
	for i := range 200 {
		id := newUUID()
		doc, err := domainXML(testSpec(id), n.Config(), caps, bootPaths{})
		mustDo(b, err)
		mustDo(b, n.call(ctx, func(lv *libvirt.Libvirt) error {
			dom, err := lv.DomainDefineXMLFlags(doc, 0)
			if err != nil || i%3 == 0 {
				return err
			}
			return lv.DomainCreate(dom)
		}))
	}
	return n
}

func BenchmarkStates200(b *testing.B) {
	n := statesNode(b)
	ctx := ctxT(b)
	b.Run("Node.States", func(b *testing.B) {
		for b.Loop() {
			if infos, err := n.States(ctx); err != nil || len(infos) < 200 {
				b.Fatal(len(infos), err)
			}
		}
	})
	lv, err := n.conn()
	mustDo(b, err)
	b.Run("go-libvirt", func(b *testing.B) {
		for b.Loop() {
			if recs, err := lv.ConnectGetAllDomainStats(nil, uint32(statsWanted), 0); err != nil || len(recs) < 200 {
				b.Fatal(len(recs), err)
			}
		}
	})
}

func BenchmarkStart(b *testing.B) {
	_, n := testNode(b)
	ctx := ctxT(b)
	caps, err := n.Capabilities(ctx)
	mustDo(b, err)
	id := newUUID()
	doc, err := domainXML(testSpec(id), n.Config(), caps, bootPaths{})
	mustDo(b, err)
	var dom libvirt.Domain
	mustDo(b, n.call(ctx, func(lv *libvirt.Libvirt) (err error) {
		dom, err = lv.DomainDefineXMLFlags(doc, 0)
		return err
	}))
	lv, err := n.conn()
	mustDo(b, err)
	stop := func(b *testing.B) {
		b.StopTimer()
		mustDo(b, lv.DomainDestroy(dom))
		b.StartTimer()
	}
	b.Run("Node.Start", func(b *testing.B) {
		for b.Loop() {
			mustDo(b, n.Start(ctx, id))
			stop(b)
		}
	})
	b.Run("go-libvirt", func(b *testing.B) {
		for b.Loop() {
			mustDo(b, lv.DomainCreate(dom))
			stop(b)
		}
	})
}
