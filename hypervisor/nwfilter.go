package hypervisor

import (
	"context"
	"fmt"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"
)

// filterName is the anti-spoofing filter every bridged interface is bound to.
// libvirt's own clean-traffic drops all IPv6, so Abrak defines its own: the guest
// sends only from its MAC, its IPv4 address and its IPv6 address (plus link-local
// and the unspecified address, which neighbour discovery needs), and answers ARP
// only for its own address. Replies a guest gives to neighbour solicitations for
// another's address carry that address as source, so they are dropped too.
const filterName = "abrak-clean-traffic"

// filterUUID is fixed: libvirt refuses to redefine a filter by name under a new UUID.
const filterUUID = "6c1f5a2e-3b7d-4c8e-9a41-0d2b7e5f1a63"

// Sentinels for a guest without an address of a family: a rule must name some
// address, and these are ones no packet on a bridge is ever sent from legitimately
// (IPv4) or that is already allowed (IPv6).
const (
	noIPv4 = "0.0.0.0"
	noIPv6 = "::"
)

// filterXML is the filter. Priorities order the rules; direction is the guest's:
// "out" leaves it. Every rule is layer 2 (ebtables), so no br_netfilter is needed.
const filterXML = `<filter name='` + filterName + `' chain='root'>
  <uuid>` + filterUUID + `</uuid>
  <rule action='drop' direction='out' priority='-900'><mac match='no' srcmacaddr='$MAC'/></rule>
  <rule action='drop' direction='out' priority='-800'><ip match='no' srcipaddr='$IP'/></rule>
  <rule action='drop' direction='out' priority='-800'><arp match='no' arpsrcmacaddr='$MAC'/></rule>
  <rule action='drop' direction='out' priority='-800'><arp match='no' arpsrcipaddr='$IP'/></rule>
  <rule action='accept' direction='out' priority='-700'><ipv6 srcipaddr='$IPV6'/></rule>
  <rule action='accept' direction='out' priority='-700'><ipv6 srcipaddr='fe80::' srcipmask='10'/></rule>
  <rule action='accept' direction='out' priority='-700'><ipv6 srcipaddr='::' srcipmask='128'/></rule>
  <rule action='drop' direction='out' priority='-600'><ipv6/></rule>
  <rule action='accept' direction='inout' priority='-500'><ip/></rule>
  <rule action='accept' direction='inout' priority='-500'><arp/></rule>
  <rule action='accept' direction='in' priority='-500'><ipv6/></rule>
  <rule action='drop' direction='inout' priority='1000'><mac/></rule>
</filter>`

// filterParams binds the filter to one guest's addresses; libvirt fills in $MAC
// from the interface itself.
func filterParams(n Network) []libvirtxml.DomainInterfaceFilterParam {
	ip4, ip6 := n.IPv4, n.IPv6
	if ip4 == "" {
		ip4 = noIPv4
	}
	if ip6 == "" {
		ip6 = noIPv6
	}
	return []libvirtxml.DomainInterfaceFilterParam{{Name: "IP", Value: ip4}, {Name: "IPV6", Value: ip6}}
}

// defineFilter (re)defines the filter on a node, so a changed rule set reaches
// every node at its next connect; bindings pick up a redefinition at once.
func defineFilter(lv *libvirt.Libvirt) error {
	if _, err := lv.NwfilterDefineXML(filterXML); err != nil {
		if strings.Contains(err.Error(), "ebtables") || strings.Contains(err.Error(), "iptables") {
			return fmt.Errorf("define %s (the node needs ebtables and iptables): %w", filterName, err)
		}
		return fmt.Errorf("define %s: %w", filterName, err)
	}
	return nil
}

// FilterBindings lists the domains (by name, their UUID) whose ports the node's
// anti-spoofing filter is bound to.
func (n *Node) FilterBindings(ctx context.Context) ([]string, error) {
	var out []string
	err := n.call(ctx, func(lv *libvirt.Libvirt) error {
		bs, _, err := lv.ConnectListAllNwfilterBindings(1, 0)
		if err != nil {
			return err
		}
		for _, b := range bs {
			if b.Filtername != filterName {
				continue
			}
			doc, err := lv.NwfilterBindingGetXMLDesc(b, 0)
			if err != nil {
				continue // gone between the listing and the read
			}
			var fb libvirtxml.NWFilterBinding
			if err := fb.Unmarshal(doc); err == nil && fb.Owner != nil {
				out = append(out, fb.Owner.Name)
			}
		}
		return nil
	})
	return out, wrapf(err, "filter bindings of %s", n.Config().Name)
}
