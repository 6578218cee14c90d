package hypervisor

import (
	"context"
	"encoding/json"

	libvirt "github.com/digitalocean/go-libvirt"
)

// fsInfoTimeout is how long (seconds) a VM's answer waits for its guest
// agent's file systems: a page or an API call waits on it, and a guest
// without an agent must not hold either.
const fsInfoTimeout = 2

// DiskUse is how full a guest's file systems are, in bytes, as its agent
// reports them (guest-get-fsinfo).
type DiskUse struct {
	Used, Total uint64
}

// DiskUse asks a running guest's agent how full its file systems are. An
// error when the agent does not answer or reports no sizes (an old agent).
func (n *Node) DiskUse(ctx context.Context, id string) (DiskUse, error) {
	var out DiskUse
	err := n.onDomain(ctx, id, func(lv *libvirt.Libvirt, dom libvirt.Domain) error {
		res, err := lv.QEMUDomainAgentCommand(dom, `{"execute":"guest-get-fsinfo"}`, fsInfoTimeout, 0)
		if err != nil {
			return err
		}
		if len(res) == 0 {
			return ErrNoAgent
		}
		out, err = parseFSInfo([]byte(res[0]))
		return err
	})
	return out, wrapf(err, "file systems of %s", id)
}

// parseFSInfo sums a guest-get-fsinfo answer's sizes. A file system mounted
// twice (a bind mount) counts once; read-only images (a live CD's squashfs,
// an ISO) are always full and say nothing of the disk, so they are left out.
func parseFSInfo(b []byte) (DiskUse, error) {
	var ans struct {
		Return []struct {
			Name  string  `json:"name"`
			Type  string  `json:"type"`
			Used  *uint64 `json:"used-bytes"`
			Total *uint64 `json:"total-bytes"`
		} `json:"return"`
	}
	if err := json.Unmarshal(b, &ans); err != nil {
		return DiskUse{}, err
	}
	var use DiskUse
	seen := map[string]bool{}
	for _, fs := range ans.Return {
		if fs.Used == nil || fs.Total == nil || *fs.Total == 0 || seen[fs.Name] ||
			fs.Type == "squashfs" || fs.Type == "iso9660" {
			continue
		}
		seen[fs.Name] = true
		use.Used += *fs.Used
		use.Total += *fs.Total
	}
	if use.Total == 0 {
		return use, ErrNoAgent
	}
	return use, nil
}
