package services

import "testing"

func TestNetmask(t *testing.T) {
	for in, want := range map[string]string{"10.0.0.0/24": "255.255.255.0", "192.168.0.0/16": "255.255.0.0", "bad": "", "fd00::/64": ""} {
		if got := netmask(in); got != want {
			t.Errorf("netmask(%q) = %q, want %q", in, got, want)
		}
	}
}
