package handlers

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"

	"abrak/vmstatus"
)

// stdVMList is what encoding/json writes for a list: the bytes appendVMList must match.
func stdVMList(t testing.TB, l apiVMList) []byte {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(l); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// texts are strings whose escaping differs in every way encoding/json knows.
var texts = []string{"", "web-1", "وب سرور ۱", `say "hi"\now`, "<b>&amp;</b>", "tab\there\nnewline\x00\x1f\x7f",
	"line\u2028sep\u2029", "bad\xff\xfeutf8", "emoji 🚀", "ux-server (آزمایشی) 2", "\u202eevil", "2026-12-02T10:00:00Z"}

func randomVM(r *rand.Rand) apiVM {
	pick := func() string { return texts[r.IntN(len(texts))] }
	v := apiVM{UUID: pick(), DisplayName: pick(), Hostname: pick(), Status: vmstatus.Status(pick()),
		Plan:       apiVMPlan{Slug: pick(), VCPUs: r.IntN(64), MemoryMB: r.IntN(1 << 20), DiskGB: r.IntN(4096), PriceHourly: r.Int64() - r.Int64()},
		OSTemplate: apiVMTemplate{Slug: pick(), Name: pick()}, Region: pick(), MACAddress: pick(),
		Traffic: apiTraffic{Month: pick(), RxBytes: r.Int64(), TxBytes: -r.Int64()},
		Boot:    apiBoot{Type: pick()}, CreatedAt: pick(), Locked: r.IntN(2) == 0, OrderStatus: vmstatus.Order(pick()),
		NodeUnavailable: r.IntN(2) == 0, HeldForFunds: r.IntN(2) == 0, Suspended: r.IntN(2) == 0,
		BackupsEnabled: r.IntN(2) == 0, BackupPriceHourly: r.Int64() - r.Int64(),
		Memory: float64(r.IntN(1<<20)) / 1024, VCPUs: r.IntN(64), Disk: r.IntN(4096),
		Image: apiImage{ID: pick(), Distro: pick(), Name: pick()}, UpdatedAt: pick()}
	// features and snapshot_ids: null (or left out), [] or a few texts.
	if n := r.IntN(4); n > 0 {
		v.Features = []string{}
		for range n - 1 {
			v.Features = append(v.Features, pick())
		}
	}
	if n := r.IntN(4); n > 0 {
		ids := []string{}
		for range n - 1 {
			ids = append(ids, pick())
		}
		v.SnapshotIDs = &ids
	}
	// backup_ids: null, [] or a few ids, any of them.
	if n := r.IntN(4); n > 0 {
		v.BackupIDs = []int64{}
		for range n - 1 {
			v.BackupIDs = append(v.BackupIDs, r.Int64()-r.Int64())
		}
	}
	if r.IntN(2) == 0 {
		ip := pick()
		v.PublicIP = &ip
	}
	if r.IntN(3) > 0 {
		v.Networks.V4 = []apiNetworkV4{}
		for range r.IntN(3) {
			v.Networks.V4 = append(v.Networks.V4, apiNetworkV4{IPAddress: pick(), Netmask: pick(), Gateway: pick(), Type: pick()})
		}
	}
	if r.IntN(3) > 0 {
		v.Networks.V6 = []apiNetworkV6{}
		for range r.IntN(3) {
			v.Networks.V6 = append(v.Networks.V6, apiNetworkV6{IPAddress: pick(), Prefix: r.IntN(129), Gateway: pick(), Type: pick()})
		}
	}
	if r.IntN(2) == 0 {
		v.Boot.CDROM = pick()
	}
	if r.IntN(3) == 0 {
		v.DeletedAt, v.PurgeAt = pick(), pick()
	}
	return v
}

// The list an API client reads is byte for byte what encoding/json would write:
// every field, its order, nulls, omitted fields and every kind of escape.
func TestVMListJSONIsEncodingJSONs(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 300 {
		l := apiVMList{Meta: apiMeta{Total: r.IntN(1e6), Limit: r.IntN(201), Offset: r.IntN(1e4)}, VMs: []apiVM{}}
		for range n % 7 {
			l.VMs = append(l.VMs, randomVM(r))
		}
		if got, want := appendVMList(nil, l), stdVMList(t, l); !bytes.Equal(got, want) {
			t.Fatalf("list %d:\n got %s\nwant %s", n, got, want)
		}
	}
}

// FuzzVMListJSON holds appendVMList to encoding/json for any text in any field.
func FuzzVMListJSON(f *testing.F) {
	for _, s := range texts {
		f.Add(s, s, int64(len(s)))
	}
	f.Fuzz(func(t *testing.T, name, host string, n int64) {
		ip := host
		v := apiVM{UUID: name, DisplayName: name, Hostname: host, PublicIP: &ip, CreatedAt: host, DeletedAt: name, PurgeAt: host,
			Plan: apiVMPlan{PriceHourly: n}, Networks: apiNetworks{V4: []apiNetworkV4{{IPAddress: host, Gateway: name}}},
			Boot: apiBoot{Type: name, CDROM: host}, BackupsEnabled: n%2 == 0, BackupPriceHourly: -n, BackupIDs: []int64{n, int64(len(name))},
			Memory: float64(n) / 1024, Image: apiImage{ID: name, Distro: host, Name: name}, Features: []string{name, host}, UpdatedAt: host}
		l := apiVMList{VMs: []apiVM{v, {}}, Meta: apiMeta{Total: int(n)}}
		if got, want := appendVMList(nil, l), stdVMList(t, l); !bytes.Equal(got, want) {
			t.Fatalf("\n got %s\nwant %s", got, want)
		}
	})
}
