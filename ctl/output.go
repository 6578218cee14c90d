package ctl

import (
	"encoding/json"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	ptime "github.com/yaa110/go-persian-calendar"

	"abrak/calendar"
)

// table is a listing for people: headers in the run's language, columns
// aligned.
type table struct {
	r    *run
	tw   *tabwriter.Writer
	rows int
}

func (r *run) table(headers ...string) *table {
	t := &table{r: r, tw: tabwriter.NewWriter(r.env.Stdout, 0, 4, 2, ' ', 0)}
	for i, h := range headers {
		if i > 0 {
			fmt.Fprint(t.tw, "\t")
		}
		fmt.Fprint(t.tw, r.word(h))
	}
	fmt.Fprintln(t.tw)
	return t
}

func (t *table) row(cells ...string) {
	for i, c := range cells {
		if i > 0 {
			fmt.Fprint(t.tw, "\t")
		}
		fmt.Fprint(t.tw, c)
	}
	fmt.Fprintln(t.tw)
	t.rows++
}

func (t *table) flush() error { return t.tw.Flush() }

// show writes v as JSON for scripts (-o json), or the table build makes.
func (r *run) show(v any, build func() *table) error {
	if r.output == "json" {
		enc := json.NewEncoder(r.env.Stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(v)
	}
	return build().flush()
}

// num writes n in the run's digits.
func (r *run) num(n int64) string {
	s := strconv.FormatInt(n, 10)
	if r.lang == "fa" {
		return faDigits(s)
	}
	return s
}

// when writes a moment: Jalali in Tehran for fa, UTC for en.
func (r *run) when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	if r.lang == "fa" {
		pt := ptime.New(t.In(calendar.Tehran))
		return faDigits(fmt.Sprintf("%04d/%02d/%02d %02d:%02d", pt.Year(), int(pt.Month()), pt.Day(), pt.Hour(), pt.Minute()))
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// done tells people what happened; scripts (-o json) get v.
func (r *run) done(v any, msg string) error {
	if r.output == "json" {
		return r.show(v, nil)
	}
	fmt.Fprintln(r.env.Stdout, msg)
	return nil
}

// percent writes p%, with the Persian sign in fa.
func (r *run) percent(p int) string {
	if r.lang == "fa" {
		return r.num(int64(p)) + "٪"
	}
	return r.num(int64(p)) + "%"
}
