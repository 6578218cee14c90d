package hypervisor

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
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
	meta := map[string]any{"instance-id": instanceID(spec), "local-hostname": spec.Hostname}

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
		"hostname":          spec.Hostname,
		"fqdn":              spec.Hostname,
		"preserve_hostname": false,
		"disable_root":      false,
		"ssh_pwauth":        crypt != "",
		// A new instance-id (a hostname change) must not give the server new host
		// keys: its owner's known_hosts would cry wolf.
		"ssh_deletekeys": false,
		"users":          []any{root},
		"chpasswd":       map[string]any{"expire": false},
		"growpart":       map[string]any{"mode": "auto", "devices": []string{"/"}},
		"resize_rootfs":  true,
	}
	if crypt != "" {
		// Debian's sshd refuses root passwords (PermitRootLogin prohibit-password);
		// a customer who ordered password access logs in with it. sshd reads the
		// first value it meets, and this drop-in sorts before cloud-init's own.
		user["write_files"] = []any{map[string]any{
			"path": "/etc/ssh/sshd_config.d/40-abrak-root.conf", "permissions": "0644",
			"content": "PermitRootLogin yes\nPasswordAuthentication yes\n",
		}}
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
	if spec.UserData != "" {
		out["user-data"] = userDataParts(out["user-data"], spec.UserData)
	}
	return out, nil
}

// instanceID changes with the hostname: cloud-init keeps what it read of a seed
// while the instance-id stays, so a new hostname reaches it as a new instance.
func instanceID(spec DomainSpec) string {
	h := sha256.Sum256([]byte(spec.Hostname))
	return spec.UUID + "-" + hex.EncodeToString(h[:4])
}

// seedBoundary separates the parts of a user-data with the customer's own; it
// cannot occur in either (checked by UserDataProblem's size and by the part
// encodings: Abrak's part is JSON, the customer's is base64).
const seedBoundary = "==ABRAK-SEED-7c2f0e91=="

// userDataParts is user-data in two MIME parts, as cloud-init reads them: Abrak's
// settings first, then the customer's user_data. Cloud-config parts merge
// without replacing what is already set, lists appended: a customer's
// cloud-config adds users, files and commands but cannot undo the root
// password, keys or hostname Abrak set. A "#!" script runs once, at the end
// of the first boot.
func userDataParts(abrak []byte, custom string) []byte {
	var b strings.Builder
	b.WriteString("Content-Type: multipart/mixed; boundary=\"" + seedBoundary + "\"\nMIME-Version: 1.0\n\n")
	b.WriteString("--" + seedBoundary + "\nContent-Type: text/cloud-config; charset=\"utf-8\"\nContent-Disposition: attachment; filename=\"abrak.cfg\"\n\n")
	b.Write(abrak)
	b.WriteString("\n--" + seedBoundary + "\n")
	if strings.HasPrefix(custom, "#!") {
		b.WriteString("Content-Type: text/x-shellscript; charset=\"utf-8\"\nContent-Disposition: attachment; filename=\"user-data.sh\"\n")
	} else {
		b.WriteString("Content-Type: text/cloud-config; charset=\"utf-8\"\nContent-Disposition: attachment; filename=\"user-data.cfg\"\n")
		b.WriteString("Merge-Type: list(append)+dict(no_replace,recurse_list)+str()\n")
	}
	b.WriteString("Content-Transfer-Encoding: base64\n\n")
	enc := base64.StdEncoding.EncodeToString([]byte(custom))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\n--" + seedBoundary + "--\n")
	return []byte(b.String())
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
