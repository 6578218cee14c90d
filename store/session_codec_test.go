package store_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"

	"abrak/store"
)

// The same values always make the same bytes, and sessions written by scs's
// own codec before this one are still read.
func TestSessionCodecIsStableAndReadsOldSessions(t *testing.T) {
	deadline := time.Now().Add(time.Hour).Round(0)
	values := map[string]any{"user_id": int64(7), "auth_at": int64(99), "sid": "abc", "flash": "x", "return_to": "/wallet"}
	first, err := store.SessionCodec{}.Encode(deadline, values)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		b, _ := store.SessionCodec{}.Encode(deadline, values)
		if string(b) != string(first) {
			t.Fatal("the same session encoded to different bytes")
		}
	}
	d, got, err := store.SessionCodec{}.Decode(first)
	if err != nil || !d.Equal(deadline) || got["sid"] != "abc" || got["user_id"] != int64(7) || len(got) != len(values) {
		t.Fatalf("decoded %v %v %v", d, got, err)
	}
	old, _ := scs.GobCodec{}.Encode(deadline, values)
	if _, got, err := (store.SessionCodec{}).Decode(old); err != nil || got["auth_at"] != int64(99) {
		t.Errorf("an old session reads as %v (%v)", got, err)
	}
}

// Every value comes back as it went in, with its type: the kinds the panel
// keeps in their plain form, any other through gob; a session cut short is
// refused, never read as another.
func TestSessionCodecKeepsEachValue(t *testing.T) {
	deadline := time.Unix(1_900_000_000, 123)
	for _, values := range []map[string]any{
		{},
		{"user_id": int64(-7), "n": 3, "on": true, "off": false, "sid": "", "flash": "vm.renamed «ابرک»", "big": int64(1) << 62},
		{"user_id": int64(7), "ratio": 1.5, "raw": []byte("x")}, // not plain: gob
	} {
		b, err := store.SessionCodec{}.Encode(deadline, values)
		if err != nil {
			t.Fatal(err)
		}
		d, got, err := store.SessionCodec{}.Decode(b)
		if err != nil || !d.Equal(deadline) || !reflect.DeepEqual(got, values) {
			t.Errorf("%#v came back as %#v at %v (%v)", values, got, d, err)
		}
		for cut := 2; cut < len(b) && len(values) > 0; cut++ {
			if _, got, err := (store.SessionCodec{}).Decode(b[:cut]); err == nil && reflect.DeepEqual(got, values) {
				t.Errorf("%d of %d bytes read as the whole session", cut, len(b))
			}
		}
	}
}
