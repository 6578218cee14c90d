package services

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// An endpoint's URL may only lead to the public internet: the panel's own
// network (loopback, private, link-local, the cloud metadata address) is
// not a customer's to reach through it (docs/decisions.md, "Webhooks: queue,
// order, signing, SSRF"). The check runs when the URL is registered and again
// on every connection, on the address the name resolved to then.

const maxWebhookURL = 2048

// refusedRanges are the networks no delivery may reach, each with the key of
// the reason a customer reads. Order matters: the first that holds is named.
var refusedRanges = []struct {
	prefix netip.Prefix
	key    string
}{
	{netip.MustParsePrefix("169.254.169.254/32"), "webhook.url_metadata"},
	{netip.MustParsePrefix("fd00:ec2::254/128"), "webhook.url_metadata"},
	{netip.MustParsePrefix("127.0.0.0/8"), "webhook.url_loopback"},
	{netip.MustParsePrefix("::1/128"), "webhook.url_loopback"},
	{netip.MustParsePrefix("0.0.0.0/8"), "webhook.url_unspecified"},
	{netip.MustParsePrefix("::/128"), "webhook.url_unspecified"},
	{netip.MustParsePrefix("10.0.0.0/8"), "webhook.url_private"},
	{netip.MustParsePrefix("172.16.0.0/12"), "webhook.url_private"},
	{netip.MustParsePrefix("192.168.0.0/16"), "webhook.url_private"},
	{netip.MustParsePrefix("fc00::/7"), "webhook.url_private"},
	{netip.MustParsePrefix("100.64.0.0/10"), "webhook.url_cgnat"},
	{netip.MustParsePrefix("169.254.0.0/16"), "webhook.url_link_local"},
	{netip.MustParsePrefix("fe80::/10"), "webhook.url_link_local"},
	{netip.MustParsePrefix("224.0.0.0/4"), "webhook.url_multicast"},
	{netip.MustParsePrefix("ff00::/8"), "webhook.url_multicast"},
	// Reserved, benchmarking, the IETF's own and broadcast: nobody's public server.
	{netip.MustParsePrefix("240.0.0.0/4"), "webhook.url_reserved"},
	{netip.MustParsePrefix("192.0.0.0/24"), "webhook.url_reserved"},
	{netip.MustParsePrefix("198.18.0.0/15"), "webhook.url_reserved"},
}

// addrRefusal names why ip may not be reached ("" when it may). Loopback is
// allowed only by the operator's setting, for tests. An IPv4 address inside
// IPv6 (mapped, or NAT64's well-known prefix) is judged as the IPv4 one.
func addrRefusal(ip netip.Addr, allowLoopback bool) string {
	ip = ip.WithZone("")
	if ip.Is4In6() {
		ip = ip.Unmap()
	}
	if ip.Is6() && netip.MustParsePrefix("64:ff9b::/96").Contains(ip) {
		b := ip.As16()
		ip = netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
	}
	if !ip.IsValid() {
		return "webhook.url_unspecified"
	}
	for _, r := range refusedRanges {
		if r.prefix.Contains(ip) {
			if r.key == "webhook.url_loopback" && allowLoopback {
				return ""
			}
			return r.key
		}
	}
	return ""
}

// lookupFunc resolves a host name to its addresses.
type lookupFunc func(ctx context.Context, host string) ([]netip.Addr, error)

func defaultLookup(ctx context.Context, host string) ([]netip.Addr, error) {
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}

// errRefusedAddr is a delivery's connection refused by the check; its text
// is the reason's key, recorded as the delivery's error.
type errRefusedAddr struct{ key string }

func (e errRefusedAddr) Error() string { return "refused address: " + e.key }

// checkWebhookURL reads a URL as typed and refuses it, naming why (the key
// of the url field), unless it is http or https to a host whose every
// address is public.
func (s *Webhooks) checkWebhookURL(ctx context.Context, raw string) (string, error) {
	invalid := func(key string) error { return Invalid(map[string]string{"url": key}) }
	raw = strings.TrimSpace(raw)
	if raw == "" || len(raw) > maxWebhookURL {
		return "", invalid("webhook.url_invalid")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" {
		return "", invalid("webhook.url_invalid")
	}
	if u.User != nil {
		return "", invalid("webhook.url_credentials")
	}
	u.Fragment = ""
	addrs, key := s.resolve(ctx, u.Hostname())
	if key != "" {
		return "", invalid(key)
	}
	for _, a := range addrs {
		if key := addrRefusal(a, s.cfg.AllowLoopback); key != "" {
			return "", invalid(key)
		}
	}
	return u.String(), nil
}

// resolve gives a host's addresses, or the key of why it has none.
func (s *Webhooks) resolve(ctx context.Context, host string) ([]netip.Addr, string) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip}, ""
	}
	if host == "" {
		return nil, "webhook.url_invalid"
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := s.cfg.Lookup(ctx, host)
	if err != nil || len(addrs) == 0 {
		return nil, "webhook.url_unresolvable"
	}
	return addrs, ""
}

// dial connects a delivery: the host resolved now, every address checked,
// and the connection made to a checked address (never a second lookup that a
// rebinding name could answer differently). The dialer's Control checks the
// address actually dialled once more.
func (s *Webhooks) dial(ctx context.Context, network, hostport string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return nil, err
	}
	addrs, key := s.resolve(ctx, host)
	if key != "" {
		return nil, errRefusedAddr{key}
	}
	for _, a := range addrs {
		if key := addrRefusal(a, s.cfg.AllowLoopback); key != "" {
			return nil, errRefusedAddr{key}
		}
	}
	d := net.Dialer{Timeout: 10 * time.Second, Control: func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return err
		}
		if key := addrRefusal(ap.Addr(), s.cfg.AllowLoopback); key != "" {
			return errRefusedAddr{key}
		}
		return nil
	}}
	var last error
	for _, a := range addrs {
		c, err := d.DialContext(ctx, network, net.JoinHostPort(a.String(), port))
		if err == nil {
			return c, nil
		}
		last = err
	}
	return nil, last
}

// refusalOf finds the check's refusal in a delivery's error.
func refusalOf(err error) (string, bool) {
	var r errRefusedAddr
	if errors.As(err, &r) {
		return r.key, true
	}
	return "", false
}
