package calendar

import (
	"testing"
	"time"
)

// Months begin where customers read them: Azar 1405 on 22 November 2026 at
// midnight in Tehran, December 2026 at midnight UTC; the year turns at Nowruz.
func TestMonths(t *testing.T) {
	azar, err := Parse("1405-09")
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 11, 22, 0, 0, 0, 0, Tehran); !azar.Jalali || !azar.From.Equal(want) {
		t.Errorf("Azar 1405 begins %s, want %s", azar.From, want)
	}
	if want := time.Date(2026, 12, 22, 0, 0, 0, 0, Tehran); !azar.To.Equal(want) {
		t.Errorf("Azar 1405 ends %s, want %s (Dey begins)", azar.To, want)
	}
	esfand, _ := Parse("1405-12")
	if next := esfand.Next(); next.String() != "1406-01" || !next.From.Equal(time.Date(2027, 3, 21, 0, 0, 0, 0, Tehran)) {
		t.Errorf("after Esfand 1405 comes %s from %s, want 1406-01 from 21 March 2027", next, next.From)
	}
	if prev := esfand.Next().Prev(); prev.String() != "1405-12" {
		t.Errorf("before Farvardin 1406 comes %s", prev)
	}
	dec, _ := Parse("2026-12")
	if dec.Jalali || !dec.From.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) || dec.Next().String() != "2027-01" || dec.Prev().String() != "2026-11" {
		t.Errorf("December 2026: %+v, next %s, prev %s", dec, dec.Next(), dec.Prev())
	}
	at := time.Date(2026, 12, 1, 23, 0, 0, 0, time.UTC) // 2 Dec 02:30 in Tehran: 11 Azar
	if got := At(at, true).String(); got != "1405-09" {
		t.Errorf("At(%s) in Jalali is %s", at, got)
	}
	if got := At(at, false).String(); got != "2026-12" {
		t.Errorf("At(%s) is %s", at, got)
	}
	for _, bad := range []string{"", "2026-13", "2026-00", "26-12", "2026-1", "2026/12", "x-y", "9999-01", "1405-09-01"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) was accepted", bad)
		}
	}
}
