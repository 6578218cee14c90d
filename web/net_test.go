package web_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"abrak/testkit"
	"abrak/vmstatus"
)

// The customer's side of the network: VMs ordered through the API are servers on
// the node's bridge, which a client in the node's network namespace (where the
// region's gateways are) logs into over SSH, with a key and with a password, over
// IPv4 and IPv6; a root guest cannot send from or answer for another's address;
// traffic is counted across reboots and a restart of the panel; rebuild keeps the
// addresses and the MAC; delete frees them and removes the filter binding.

// apiVMNet is the part of the API's VM body this file looks at.
type apiVMNet struct {
	Status   vmstatus.Status `json:"status"`
	PublicIP *string         `json:"public_ip"`
	Networks struct {
		V4 []apiV4 `json:"v4"`
		V6 []struct {
			IPAddress string `json:"ip_address"`
			Prefix    int    `json:"prefix"`
			Gateway   string `json:"gateway"`
		} `json:"v6"`
	} `json:"networks"`
	MAC     string         `json:"mac_address"`
	Traffic trafficOfMonth `json:"traffic"`
}

type trafficOfMonth struct {
	Month   string `json:"month"`
	RxBytes int64  `json:"rx_bytes"`
	TxBytes int64  `json:"tx_bytes"`
}

func (v apiVMNet) ipv4() string {
	if len(v.Networks.V4) == 0 {
		return ""
	}
	return v.Networks.V4[0].IPAddress
}

func (v apiVMNet) ipv6() string {
	if len(v.Networks.V6) == 0 {
		return ""
	}
	return v.Networks.V6[0].IPAddress
}

func apiVMNetOf(t *testing.T, a *testkit.App, token, uuid string) apiVMNet {
	t.Helper()
	r := a.APICall(t, http.MethodGet, "/api/v1/vms/"+uuid, token, "")
	testkit.MustStatus(t, "get vm", r, http.StatusOK)
	var body struct {
		VM apiVMNet `json:"vm"`
	}
	if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
		t.Fatal(err)
	}
	return body.VM
}

func orderNetVM(t *testing.T, qp *testkit.QEMUPanel, token string, fields map[string]any) string {
	t.Helper()
	body := map[string]any{"plan_slug": testkit.QEMUPlan, "os_template_slug": testkit.QEMUTemplate, "region": testkit.QEMURegion}
	for k, v := range fields {
		body[k] = v
	}
	b, _ := json.Marshal(body)
	r := qp.APICall(t, http.MethodPost, "/api/v1/vms", token, string(b))
	testkit.MustStatus(t, "order", r, http.StatusAccepted)
	uuid, _ := strings.CutPrefix(r.Header.Get("Location"), "/api/v1/vms/")
	return uuid
}

// addedSSHKey makes a key pair and adds its public half to c's account through
// the API: the private key's file, for a GuestLogin, and the key's id, for an order.
func addedSSHKey(t *testing.T, a *testkit.App, c vmCustomer) (string, int64) {
	t.Helper()
	key, pub := testkit.SSHKeyPair(t)
	r := a.APICall(t, http.MethodPost, "/api/v1/ssh-keys", c.token, fmt.Sprintf(`{"name":"laptop","public_key":%q}`, pub))
	testkit.MustStatus(t, "add key", r, http.StatusCreated)
	var added struct {
		SSHKey struct {
			ID int64 `json:"id"`
		} `json:"ssh_key"`
	}
	if err := json.Unmarshal([]byte(r.Body), &added); err != nil || added.SSHKey.ID == 0 {
		t.Fatalf("key body: %v %s", err, r.Body)
	}
	return key, added.SSHKey.ID
}

// neighbourMAC is the MAC the namespace's neighbour table holds for addr; fresh
// asks again first (flush, then ping): whoever answers ARP or NDP for it wins.
func neighbourMAC(t *testing.T, netns, addr string, fresh bool) string {
	t.Helper()
	family := "-4"
	if strings.Contains(addr, ":") {
		family = "-6"
	}
	if fresh {
		exec.Command("ip", "netns", "exec", netns, "ip", family, "neigh", "flush", "to", addr).Run()
		exec.Command("ip", "netns", "exec", netns, "ping", family, "-c", "2", "-i", "0.3", "-W", "2", addr).Run()
	}
	out := testkit.InNetns(t, netns, "ip", family, "neigh", "show", "to", addr)
	f := strings.Fields(out)
	if i := slices.Index(f, "lladdr"); i >= 0 && i+1 < len(f) {
		return f[i+1]
	}
	return ""
}

// countedAtGateway reads the packet counter of the ABRAKSPOOF rule for src in the
// namespace's INPUT chain (tool: iptables or ip6tables).
func countedAtGateway(t *testing.T, netns, tool, src string) int {
	t.Helper()
	out := testkit.InNetns(t, netns, tool, "-w", "-L", "INPUT", "-v", "-n", "-x")
	n, found := 0, false
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if strings.Contains(line, "ABRAKSPOOF") && (slices.Contains(f, src) || slices.Contains(f, src+"/128")) {
			fmt.Sscan(f[0], &n)
			found = true
		}
	}
	if !found {
		t.Fatalf("no counting rule for %s in:\n%s", src, out)
	}
	return n
}

func TestVMsAreServersOnTheNetwork(t *testing.T) {
	t.Parallel()
	qp := testkit.NewQEMUPanel(t, testkit.WithAPIRateLimit(1_000_000, 1_000_000))
	ns := qp.Daemon.Netns
	whole := t // what outlives the subtests: the restarted panel
	c := newVMCustomer(t, qp.App, "net@example.com", testkit.QEMUBalanceRials)
	key, keyID := addedSSHKey(t, qp.App, c)

	ordered := time.Now()
	byKey := orderNetVM(t, qp, c.token, map[string]any{"auth_mode": "ssh_key", "ssh_key_ids": []int64{keyID}, "hostname": "net-key"})
	const password = "Net-Strong-Pass-42"
	byPass := orderNetVM(t, qp, c.token, map[string]any{"auth_mode": "password", "custom_password": password, "hostname": "net-pass"})
	keyed := testkit.GuestLogin{Netns: ns, Key: key}
	vmA := apiVMNetOf(t, qp.App, c.token, byKey)
	vmB := apiVMNetOf(t, qp.App, c.token, byPass)
	for _, v := range []apiVMNet{vmA, vmB} {
		if v.ipv4() == "" || v.ipv6() == "" || v.PublicIP == nil || *v.PublicIP != v.ipv4() || v.MAC == "" {
			t.Fatalf("an ordered VM's API body lacks its addresses: %+v", v)
		}
		if n := v.Networks.V4[0]; n.Netmask != "255.255.255.0" || n.Gateway != testkit.QEMUGateway4 || n.Type != "public" {
			t.Fatalf("IPv4 network %+v", n)
		}
		if n := v.Networks.V6[0]; n.Prefix != 64 || n.Gateway != testkit.QEMUGateway6 {
			t.Fatalf("IPv6 network %+v", n)
		}
	}
	if vmA.ipv4() == vmB.ipv4() || vmA.ipv6() == vmB.ipv6() || vmA.MAC == vmB.MAC {
		t.Fatalf("two VMs share an address or MAC: %+v / %+v", vmA, vmB)
	}

	// SSH with the order's key, over IPv4 and IPv6; with the password for the other.
	if got := keyed.WaitLogin(t, vmA.ipv4(), "hostname", 4*time.Minute); got != "net-key" {
		t.Fatalf("ssh over IPv4 printed %q, want the ordered hostname", got)
	}
	t.Logf("ordered → SSH answering: %s", time.Since(ordered).Round(100*time.Millisecond))
	if got := keyed.WaitLogin(t, vmA.ipv6(), "hostname", time.Minute); got != "net-key" {
		t.Fatalf("ssh over IPv6 printed %q", got)
	}
	if got := (testkit.GuestLogin{Netns: ns, Password: password}).WaitLogin(t, vmB.ipv4(), "hostname", 3*time.Minute); got != "net-pass" {
		t.Fatalf("password login printed %q", got)
	}
	if _, err := (testkit.GuestLogin{Netns: ns, Password: "not-the-password"}).Run(vmB.ipv4(), "hostname", nil); err == nil {
		t.Fatal("a wrong password logged in")
	}
	if _, err := keyed.Run(vmB.ipv4(), "hostname", nil); err == nil {
		t.Fatal("a key that was not ordered for the VM logged in")
	}

	t.Run("the page shows the addresses and the ssh line", func(t *testing.T) {
		browser := qp.Client(t)
		browser.SignIn(c.email, testkit.Password)
		for _, lang := range []string{"fa", "en"} {
			page := browser.Get("/vms/" + byKey + "?lang=" + lang)
			for _, want := range []string{vmA.ipv4(), vmA.ipv6(), vmA.MAC, `id="vm-ssh" data-testid="vm-ssh">ssh root@` + vmA.ipv4() + `<`,
				`data-copy="vm-ssh"`, `data-copy="vm-ipv6"`, `data-testid="vm-traffic"`} {
				if !strings.Contains(page.Body, want) {
					t.Errorf("%s VM page lacks %q", lang, want)
				}
			}
		}
		list := browser.Get("/vms?lang=en")
		if !strings.Contains(list.Body, `<span id="ip-`+byKey+`" dir="ltr">`+vmA.ipv4()+`</span>`) || !strings.Contains(list.Body, `data-copy="ip-`+byKey+`"`) {
			t.Errorf("the VM list shows no copyable address for %s", vmA.ipv4())
		}
	})

	t.Run("anti-spoofing", func(t *testing.T) {
		// Count, at the gateway, echo requests from B's address and from a
		// stranger's; A sends from both once it has them on its interface (B
		// itself sends none: it only answers the gateway's pings).
		const stranger4, stranger6 = "198.51.100.99", "2001:db8:ab::99"
		for _, rule := range [][]string{
			{"iptables", "-w", "-I", "INPUT", "-s", vmB.ipv4(), "-p", "icmp", "--icmp-type", "echo-request", "-m", "comment", "--comment", "ABRAKSPOOF"},
			{"iptables", "-w", "-I", "INPUT", "-s", stranger4, "-p", "icmp", "--icmp-type", "echo-request", "-m", "comment", "--comment", "ABRAKSPOOF"},
			{"ip6tables", "-w", "-I", "INPUT", "-s", vmB.ipv6(), "-p", "ipv6-icmp", "--icmpv6-type", "echo-request", "-m", "comment", "--comment", "ABRAKSPOOF"},
			{"ip6tables", "-w", "-I", "INPUT", "-s", stranger6, "-p", "ipv6-icmp", "--icmpv6-type", "echo-request", "-m", "comment", "--comment", "ABRAKSPOOF"},
		} {
			testkit.InNetns(t, ns, rule...)
		}
		// The control: from its own addresses, A reaches the gateway.
		if _, err := keyed.Run(vmA.ipv4(), "ping -c 2 -W 2 "+testkit.QEMUGateway4+" && ping -6 -c 2 -W 2 "+testkit.QEMUGateway6, nil); err != nil {
			t.Fatalf("A cannot ping the gateway from its own addresses: %v", err)
		}
		// The gateway knows where B is before A claims B's addresses.
		for _, addr := range []string{vmB.ipv4(), vmB.ipv6()} {
			if got := neighbourMAC(t, ns, addr, true); !strings.EqualFold(got, vmB.MAC) {
				t.Fatalf("before any spoofing the gateway resolved %s to %q, want B's %s", addr, got, vmB.MAC)
			}
		}
		spoof := strings.Join([]string{
			// Announce every address added (unsolicited neighbour advertisements).
			"echo 1 > /proc/sys/net/ipv6/conf/eth0/ndisc_notify",
			"ip addr add " + vmB.ipv4() + "/24 dev eth0", "ip addr add " + stranger4 + "/24 dev eth0",
			"ip -6 addr add " + vmB.ipv6() + "/64 dev eth0", "ip -6 addr add " + stranger6 + "/64 dev eth0",
			"ping -c 3 -W 1 -I " + vmB.ipv4() + " " + testkit.QEMUGateway4, "ping -c 3 -W 1 -I " + stranger4 + " " + testkit.QEMUGateway4,
			"ping -6 -c 3 -W 1 -I " + vmB.ipv6() + " " + testkit.QEMUGateway6, "ping -6 -c 3 -W 1 -I " + stranger6 + " " + testkit.QEMUGateway6,
			// Gratuitous ARP claiming B's address.
			"arping -U -c 2 -I eth0 -s " + vmB.ipv4() + " " + vmB.ipv4(),
			"true",
		}, "; ")
		if _, err := keyed.Run(vmA.ipv4(), spoof, nil); err != nil {
			t.Fatalf("spoofing from A: %v", err)
		}
		for _, c := range []struct{ tool, src string }{{"iptables", vmB.ipv4()}, {"iptables", stranger4}, {"ip6tables", vmB.ipv6()}, {"ip6tables", stranger6}} {
			if n := countedAtGateway(t, ns, c.tool, c.src); n != 0 {
				t.Errorf("%d packets from %s, sent by A, reached the gateway", n, c.src)
			}
		}
		// A's announcements did not move B's addresses to A, and asked afresh the
		// gateway still finds B at B's MAC: A's ARP and NDP answers are dropped.
		for _, fresh := range []bool{false, true} {
			for _, addr := range []string{vmB.ipv4(), vmB.ipv6()} {
				if got := neighbourMAC(t, ns, addr, fresh); !strings.EqualFold(got, vmB.MAC) {
					t.Errorf("the gateway resolved %s to %q (asked afresh: %v), want B's %s (A is %s)", addr, got, fresh, vmB.MAC, vmA.MAC)
				}
			}
		}
		if got := neighbourMAC(t, ns, stranger4, true); got != "" {
			t.Errorf("the gateway resolved the stranger's %s to %q", stranger4, got)
		}
		if _, err := keyed.Run(vmA.ipv4(), "ip addr del "+vmB.ipv4()+"/24 dev eth0; ip addr del "+stranger4+"/24 dev eth0; "+
			"ip -6 addr del "+vmB.ipv6()+"/64 dev eth0; ip -6 addr del "+stranger6+"/64 dev eth0; true", nil); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("traffic", func(t *testing.T) {
		const size = 10 << 20
		before := apiVMNetOf(t, qp.App, c.token, byKey).Traffic
		payload := make([]byte, size)
		rand.Read(payload)
		if _, err := keyed.Run(vmA.ipv4(), "cat > /dev/null", bytes.NewReader(payload)); err != nil {
			t.Fatal(err)
		}
		var after trafficOfMonth
		testkit.WaitFor(t, time.Minute, "the month's counters grow by the transfer", func() bool {
			after = apiVMNetOf(t, qp.App, c.token, byKey).Traffic
			return after.RxBytes-before.RxBytes >= size
		})
		if after.Month != time.Now().UTC().Format("2006-01") || after.TxBytes <= before.TxBytes {
			t.Fatalf("traffic %+v after %+v", after, before)
		}
		// A reboot starts the domain's counters from zero; the month keeps counting.
		testkit.MustStatus(t, "reboot", qp.APICall(t, http.MethodPost, "/api/v1/vms/"+byKey+"/power/reboot", c.token, ""), http.StatusOK)
		time.Sleep(3 * time.Second)
		keyed.WaitLogin(t, vmA.ipv4(), "hostname", 2*time.Minute)
		if _, err := keyed.Run(vmA.ipv4(), "cat > /dev/null", bytes.NewReader(payload[:1<<20])); err != nil {
			t.Fatal(err)
		}
		var rebooted trafficOfMonth
		testkit.WaitFor(t, time.Minute, "traffic after the reboot adds to the month", func() bool {
			rebooted = apiVMNetOf(t, qp.App, c.token, byKey).Traffic
			return rebooted.RxBytes-after.RxBytes >= 1<<20
		})
		// A restarted panel carries on from the counters it recorded.
		b := qp.RestartedPanel(whole)
		if _, err := keyed.Run(vmA.ipv4(), "cat > /dev/null", bytes.NewReader(payload[:1<<20])); err != nil {
			t.Fatal(err)
		}
		var restarted trafficOfMonth
		testkit.WaitFor(t, time.Minute, "traffic after the panel's restart adds to the month", func() bool {
			restarted = apiVMNetOf(t, b, c.token, byKey).Traffic
			return restarted.RxBytes-rebooted.RxBytes >= 1<<20
		})
		// Nothing counted twice: the restart did not add the domain's whole counters again.
		if restarted.RxBytes > rebooted.RxBytes+4<<20 {
			t.Fatalf("after the restart the month grew by %d bytes for a 1 MiB transfer", restarted.RxBytes-rebooted.RxBytes)
		}
		t.Logf("traffic: %+v", restarted)
		qp.App = b // the rest of the test talks to the panel that runs
	})

	t.Run("rebuild keeps addresses and MAC", func(t *testing.T) {
		r := qp.APICall(t, http.MethodPost, "/api/v1/vms/"+byKey+"/rebuild", c.token, `{}`)
		testkit.MustStatus(t, "rebuild", r, http.StatusOK)
		time.Sleep(3 * time.Second)
		if got := keyed.WaitLogin(t, vmA.ipv4(), "hostname", 3*time.Minute); got != "net-key" {
			t.Fatalf("after the rebuild ssh printed %q", got)
		}
		v := apiVMNetOf(t, qp.App, c.token, byKey)
		if v.ipv4() != vmA.ipv4() || v.ipv6() != vmA.ipv6() || v.MAC != vmA.MAC {
			t.Fatalf("rebuild changed the network: %+v, was %+v", v, vmA)
		}
		if mac := keyed.WaitLogin(t, vmA.ipv4(), "cat /sys/class/net/eth0/address", time.Minute); !strings.EqualFold(mac, vmA.MAC) {
			t.Fatalf("the guest's NIC has MAC %s, the API says %s", mac, vmA.MAC)
		}
	})

	t.Run("delete frees the addresses and the filter binding", func(t *testing.T) {
		n, err := qp.Fleet.Node(qp.Node.ID)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		bound, err := n.FilterBindings(ctx)
		if err != nil || !slices.Contains(bound, byPass) || !slices.Contains(bound, byKey) {
			t.Fatalf("filter bindings before the delete: %v, %v", bound, err)
		}
		testkit.MustStatus(t, "delete", qp.APICall(t, http.MethodDelete, "/api/v1/vms/"+byPass+"?purge=true", c.token, ""), http.StatusNoContent)
		testkit.WaitFor(t, 2*time.Minute, "the VM is destroyed", func() bool {
			return apiVMNetOf(t, qp.App, c.token, byPass).Status == vmstatus.Destroyed
		})
		bound, err = n.FilterBindings(ctx)
		if err != nil || slices.Contains(bound, byPass) || !slices.Contains(bound, byKey) {
			t.Fatalf("filter bindings after the delete: %v, %v", bound, err)
		}
		if live := qp.Count(t, `SELECT count(*) FROM addresses a JOIN vms v ON v.id = a.vm_id WHERE v.uuid = ? AND a.released_at IS NULL`, byPass); live != 0 {
			t.Fatalf("the deleted VM still holds %d addresses", live)
		}
		if _, err := (testkit.GuestLogin{Netns: ns, Password: password}).Run(vmB.ipv4(), "hostname", nil); err == nil {
			t.Fatal("the deleted VM still answers SSH")
		}
	})
}
