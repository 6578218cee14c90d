package hypervisor

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/kdomanski/iso9660"
)

// seedISO builds the NoCloud seed (volume label "cidata"). Each file is JSON, which
// YAML parsers read as flow style, so no value written by a customer can break out
// of its field.
func seedISO(spec DomainSpec) ([]byte, error) {
	files, err := seedFiles(spec)
	if err != nil {
		return nil, err
	}
	w, err := iso9660.NewWriter()
	if err != nil {
		return nil, fmt.Errorf("hypervisor: seed ISO: %w", err)
	}
	defer w.Cleanup()
	for _, name := range []string{"meta-data", "user-data", "network-config"} {
		if err := w.AddFile(bytes.NewReader(files[name]), name); err != nil {
			return nil, fmt.Errorf("hypervisor: seed ISO: %w", err)
		}
	}
	var buf bytes.Buffer
	if err := w.WriteTo(&buf, "cidata"); err != nil {
		return nil, fmt.Errorf("hypervisor: seed ISO: %w", err)
	}
	return buf.Bytes(), nil
}

func seedFiles(spec DomainSpec) (map[string][]byte, error) {
	meta := map[string]any{"instance-id": spec.UUID, "local-hostname": spec.Hostname}

	crypt := spec.RootPasswordCrypt
	if crypt == "" && spec.RootPassword != "" {
		crypt = sha512Crypt(spec.RootPassword)
	}
	root := map[string]any{"name": "root", "lock_passwd": crypt == ""}
	if crypt != "" {
		root["hashed_passwd"] = crypt
	}
	if len(spec.SSHKeys) > 0 {
		root["ssh_authorized_keys"] = spec.SSHKeys
	}
	user := map[string]any{
		"hostname":     spec.Hostname,
		"disable_root": false,
		"ssh_pwauth":   crypt != "",
		"users":        []any{root},
	}

	network := map[string]any{"version": 2, "ethernets": map[string]any{"eth0": seedInterface(spec.Net)}}

	out := map[string][]byte{}
	for name, v := range map[string]any{"meta-data": meta, "user-data": user, "network-config": network} {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return nil, err
		}
		if name == "user-data" {
			b = append([]byte("#cloud-config\n"), b...)
		}
		out[name] = append(b, '\n')
	}
	return out, nil
}

// seedInterface is the guest's interface in network-config v2, matched by its MAC
// and named eth0 (cloud-init renames it: "set-name"); a match by name does not
// survive cloud-init's ifupdown renderer, which writes for an eth0 the guest lacks
// when the kernel named the NIC ens3.
func seedInterface(n Network) map[string]any {
	eth := map[string]any{}
	if n.MAC != "" {
		eth["match"] = map[string]string{"macaddress": strings.ToLower(n.MAC)}
		eth["set-name"] = "eth0"
	} else {
		eth["match"] = map[string]string{"name": "e*"}
	}
	var addrs []string
	var routes []any
	if n.IPv4 != "" {
		addrs = append(addrs, fmt.Sprintf("%s/%d", n.IPv4, n.Prefix4))
		if n.Gateway4 != "" {
			routes = append(routes, map[string]string{"to": "0.0.0.0/0", "via": n.Gateway4})
		}
	}
	if n.IPv6 != "" {
		addrs = append(addrs, fmt.Sprintf("%s/%d", n.IPv6, n.Prefix6))
		if n.Gateway6 != "" {
			routes = append(routes, map[string]string{"to": "::/0", "via": n.Gateway6})
		}
	}
	if len(addrs) == 0 {
		eth["dhcp4"] = true
		return eth
	}
	eth["addresses"] = addrs
	eth["dhcp4"], eth["dhcp6"], eth["accept-ra"] = false, false, false
	if len(routes) > 0 {
		eth["routes"] = routes
	}
	if len(n.Resolvers) > 0 {
		eth["nameservers"] = map[string]any{"addresses": n.Resolvers}
	}
	return eth
}
