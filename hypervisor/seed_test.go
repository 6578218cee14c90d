package hypervisor

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"strings"
	"testing"
)

// A customer's user_data goes into the seed as the second MIME part, after
// Abrak's settings, byte for byte; a cloud-config merges without replacing
// them, a script is a shell script part. Without user_data the seed is one
// cloud-config. The instance-id changes with the hostname only.
func TestSeedCarriesUserDataBesideAbraksSettings(t *testing.T) {
	spec := DomainSpec{UUID: "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f", Hostname: "web-1", RootPasswordCrypt: "$6$salt$hash",
		SSHKeys: []string{"ssh-ed25519 AAAA a@b"}}
	for _, c := range []struct{ data, kind, merge string }{
		{"#cloud-config\nruncmd: [\"touch /root/hi\"]\n", "text/cloud-config", "list(append)+dict(no_replace,recurse_list)+str()"},
		{"#!/bin/sh\necho '--==x==' > /root/hi\n", "text/x-shellscript", ""},
	} {
		spec.UserData = c.data
		files, err := seedFiles(spec)
		if err != nil {
			t.Fatal(err)
		}
		raw := string(files["user-data"])
		head, body, _ := strings.Cut(raw, "\n\n")
		mt, params, err := mime.ParseMediaType(strings.TrimPrefix(strings.SplitN(head, "\n", 2)[0], "Content-Type: "))
		if err != nil || mt != "multipart/mixed" {
			t.Fatalf("user-data is %q (%v)", mt, err)
		}
		r := multipart.NewReader(strings.NewReader(body), params["boundary"])
		first, err := r.NextPart()
		if err != nil || first.Header.Get("Content-Type") != `text/cloud-config; charset="utf-8"` {
			t.Fatalf("first part: %v %v", first, err)
		}
		own, _ := io.ReadAll(first)
		var cfg map[string]any
		if err := json.Unmarshal([]byte(strings.TrimPrefix(string(own), "#cloud-config\n")), &cfg); err != nil || cfg["hostname"] != "web-1" || cfg["ssh_pwauth"] != true {
			t.Fatalf("Abrak's part: %v %s", err, own)
		}
		second, err := r.NextPart()
		if err != nil {
			t.Fatal(err)
		}
		if got := second.Header.Get("Content-Type"); !strings.HasPrefix(got, c.kind) || second.Header.Get("Merge-Type") != c.merge {
			t.Fatalf("the customer's part: %q, merge %q", got, second.Header.Get("Merge-Type"))
		}
		theirs, _ := io.ReadAll(second) // multipart decodes quoted-printable only: base64 stays
		if dec, err := decodeBase64Lines(string(theirs)); err != nil || dec != c.data {
			t.Fatalf("the customer's user_data came out as %q (%v)", dec, err)
		}
	}
	spec.UserData = ""
	files, _ := seedFiles(spec)
	if !strings.HasPrefix(string(files["user-data"]), "#cloud-config\n") {
		t.Fatalf("without user_data the seed is not one cloud-config")
	}
	var meta map[string]string
	json.Unmarshal(files["meta-data"], &meta)
	renamed := spec
	renamed.Hostname = "web-2"
	files2, _ := seedFiles(renamed)
	var meta2 map[string]string
	json.Unmarshal(files2["meta-data"], &meta2)
	again, _ := seedFiles(spec)
	var meta3 map[string]string
	json.Unmarshal(again["meta-data"], &meta3)
	if meta["instance-id"] == meta2["instance-id"] || meta["instance-id"] != meta3["instance-id"] || !strings.HasPrefix(meta["instance-id"], spec.UUID) {
		t.Fatalf("instance-ids %q, %q (renamed), %q (again)", meta["instance-id"], meta2["instance-id"], meta3["instance-id"])
	}
}

func decodeBase64Lines(s string) (string, error) {
	b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), ""))
	return string(b), err
}
