package hypervisor

import (
	"bytes"
	"encoding/json"
	"fmt"

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

	eth := map[string]any{"match": map[string]string{"name": "e*"}}
	if spec.IPv4 != "" {
		eth["addresses"] = []string{fmt.Sprintf("%s/%d", spec.IPv4, spec.PrefixLen)}
		if spec.Gateway != "" {
			eth["routes"] = []any{map[string]string{"to": "0.0.0.0/0", "via": spec.Gateway}}
		}
		if len(spec.DNS) > 0 {
			eth["nameservers"] = map[string]any{"addresses": spec.DNS}
		}
	} else {
		eth["dhcp4"] = true
	}
	network := map[string]any{"version": 2, "ethernets": map[string]any{"eth0": eth}}

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
