package rfb

import (
	"bytes"
	"testing"
)

func TestInputWatchTellsInputFromUpdateRequests(t *testing.T) {
	fbur := []byte{3, 1, 0, 0, 0, 0, 4, 0, 3, 0}
	key := []byte{4, 1, 0, 0, 0, 0, 0, 0x61}
	pointer := []byte{5, 0, 0, 10, 0, 20}
	setEnc := []byte{2, 0, 0, 2, 0, 0, 0, 7, 0xff, 0xff, 0xff, 0x21}
	qemuKey := []byte{255, 0, 0, 1, 0, 0, 0, 0x61, 0, 0, 0, 0x1e}

	var w InputWatch
	if w.Feed([]byte{1}) || w.Feed(setEnc) || w.Feed(fbur) || w.Feed(append(fbur, fbur...)) {
		t.Fatal("ClientInit, SetEncodings or update requests counted as input")
	}
	if !w.Feed(key) || !w.Feed(pointer) || !w.Feed(qemuKey) {
		t.Fatal("key or pointer events not counted as input")
	}
	// Byte by byte, as TCP may split them.
	stream := append(append(append([]byte{}, fbur...), key...), fbur...)
	input := false
	for _, b := range stream {
		input = w.Feed([]byte{b}) || input
	}
	if !input || w.Feed(fbur) {
		t.Fatal("split messages were misread")
	}
	if !w.Feed([]byte{99, 1, 2, 3}) || !w.Feed(fbur) {
		t.Fatal("after an unknown message everything must count as input")
	}
}

func TestVNCResponseKnownAnswer(t *testing.T) {
	// Computed independently: printf '\0%.0s' {1..16} | openssl enc -des-ecb -nopad
	// -K 0e86ceceeef64e26 (the bytes of "password", each bit-reversed).
	var zero [16]byte
	got := Response("password", zero)
	want := []byte{0xff, 0x97, 0x50, 0x2e, 0x94, 0x22, 0xf0, 0x89, 0xff, 0x97, 0x50, 0x2e, 0x94, 0x22, 0xf0, 0x89}
	if !bytes.Equal(got, want) {
		t.Fatalf("response % x, want % x", got, want)
	}
}
