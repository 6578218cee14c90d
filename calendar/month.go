// Package calendar is the panel's months: Jalali months in Tehran and
// calendar months in UTC, as fa and en read dates. It imports nothing of the project.
package calendar

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	ptime "github.com/yaa110/go-persian-calendar"
)

// Tehran is where Persian dates are read. Iran has kept UTC+3:30 all year
// since 2022, so the fixed zone is right for current dates on a machine
// without tzdata.
var Tehran = func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Tehran"); err == nil {
		return loc
	}
	return time.FixedZone("+0330", 3*3600+30*60)
}()

// ErrMonth is a month that is not YYYY-MM.
var ErrMonth = errors.New("calendar: a month is YYYY-MM")

// Month is a statement's month: a Jalali month in Tehran (years below 1700,
// "1405-09") or a calendar month in UTC ("2026-12"), as fa and en read dates.
type Month struct {
	Year, Number int
	Jalali       bool
	From, To     time.Time // [From, To)
}

func (m Month) String() string { return fmt.Sprintf("%04d-%02d", m.Year, m.Number) }

// Parse reads "YYYY-MM"; the year says which calendar.
func Parse(s string) (Month, error) {
	y, mm, ok := strings.Cut(strings.TrimSpace(s), "-")
	year, err1 := strconv.Atoi(y)
	num, err2 := strconv.Atoi(mm)
	if !ok || err1 != nil || err2 != nil || len(y) != 4 || len(mm) != 2 || num < 1 || num > 12 || year < 1300 || year > 2200 {
		return Month{}, ErrMonth
	}
	return monthOf(year, num, year < 1700), nil
}

func monthOf(year, num int, jalali bool) Month {
	m := Month{Year: year, Number: num, Jalali: jalali}
	if jalali {
		m.From = ptime.Date(year, ptime.Month(num), 1, 0, 0, 0, 0, Tehran).Time()
		ny, nm := year, num+1
		if nm > 12 {
			ny, nm = year+1, 1
		}
		m.To = ptime.Date(ny, ptime.Month(nm), 1, 0, 0, 0, 0, Tehran).Time()
		return m
	}
	m.From = time.Date(year, time.Month(num), 1, 0, 0, 0, 0, time.UTC)
	m.To = m.From.AddDate(0, 1, 0)
	return m
}

// At is the month t falls in, in the calendar asked for.
func At(t time.Time, jalali bool) Month {
	if jalali {
		pt := ptime.New(t.In(Tehran))
		return monthOf(pt.Year(), int(pt.Month()), true)
	}
	u := t.UTC()
	return monthOf(u.Year(), int(u.Month()), false)
}

// Prev and Next are the months around m, in its calendar.
func (m Month) Prev() Month { return At(m.From.Add(-time.Hour), m.Jalali) }
func (m Month) Next() Month { return At(m.To.Add(time.Hour), m.Jalali) }
