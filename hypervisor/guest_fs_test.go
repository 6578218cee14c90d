package hypervisor

import (
	"errors"
	"testing"
)

// The disk figure counts each file system once and leaves out read-only
// images; an agent that reports no sizes is as good as none.
func TestParseFSInfoSumsEachFileSystemOnce(t *testing.T) {
	got, err := parseFSInfo([]byte(`{"return":[
		{"name":"vda1","mountpoint":"/","type":"ext4","used-bytes":3000,"total-bytes":10000,"disk":[]},
		{"name":"vda1","mountpoint":"/srv/bind","type":"ext4","used-bytes":3000,"total-bytes":10000,"disk":[]},
		{"name":"vdb1","mountpoint":"/data","type":"xfs","used-bytes":1000,"total-bytes":10000,"disk":[]},
		{"name":"loop0","mountpoint":"/snap/core","type":"squashfs","used-bytes":500,"total-bytes":500,"disk":[]},
		{"name":"sr0","mountpoint":"/media/cdrom","type":"iso9660","used-bytes":700,"total-bytes":700,"disk":[]}]}`))
	if err != nil || got != (DiskUse{Used: 4000, Total: 20000}) {
		t.Fatalf("got %+v, %v; want 4,000 of 20,000 bytes", got, err)
	}
	_, err = parseFSInfo([]byte(`{"return":[{"name":"vda1","mountpoint":"/","type":"ext4","disk":[]}]}`))
	if !errors.Is(err, ErrNoAgent) {
		t.Fatalf("an answer without sizes: %v, want ErrNoAgent", err)
	}
}
