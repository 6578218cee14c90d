package services

import (
	"strings"
	"testing"
)

func TestUserDataProblem(t *testing.T) {
	for _, c := range []struct {
		name, data, want string
	}{
		{"none", "", ""},
		{"cloud-config", "#cloud-config\npackages: [nginx]\nruncmd:\n  - touch /tmp/x\n", ""},
		{"cloud-config with CRLF header", "#cloud-config\r\nhostname: x\n", ""},
		{"script", "#!/bin/sh\necho hi > /root/hi\n", ""},
		{"neither", "echo hi\n", "vm.user_data_kind"},
		{"bad yaml", "#cloud-config\nruncmd: [unclosed\n", "vm.user_data_yaml"},
		{"a list, not a mapping", "#cloud-config\n- a\n- b\n", "vm.user_data_not_mapping"},
		{"merge_how", "#cloud-config\nmerge_how: [{name: list, settings: [replace]}]\nusers: []\n", "vm.user_data_merge"},
		{"merge_type", "#cloud-config\nmerge_type: 'list()+dict()'\n", "vm.user_data_merge"},
		{"too long", "#!/bin/sh\n" + strings.Repeat("#", MaxUserData), "vm.user_data_too_long"},
		{"not UTF-8", "#!/bin/sh\necho \xff\n", "vm.user_data_encoding"},
		{"NUL", "#!/bin/sh\necho \x00\n", "vm.user_data_encoding"},
	} {
		if got := UserDataProblem(c.data); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

func FuzzUserData(f *testing.F) {
	f.Add("#cloud-config\nruncmd: [ls]\n")
	f.Add("#!/bin/sh\n")
	f.Add("#cloud-config\n&a [*a]")
	f.Fuzz(func(t *testing.T, data string) {
		k := UserDataProblem(data)
		if k == "" && data != "" && !strings.HasPrefix(data, "#!") && !strings.HasPrefix(data, "#cloud-config") {
			t.Fatalf("accepted %q", data)
		}
	})
}
