package services

import (
	"cmp"
	"slices"
	"strings"
)

// ListQuery is an operator's list page: a search, a column to sort by and a
// page. Sort is a name from the list's own whitelist; any other is ignored.
type ListQuery struct {
	Q             string
	Sort          string
	Desc          bool
	Limit, Offset int
}

// listSorts is a list's whitelist: a column's name to how two rows compare.
// The catalog lists (nodes, plans, regions, templates, pools) are a few
// dozen rows whose figures are counted in Go (usage, per-node states), so
// they are searched, sorted and paged here rather than in SQL.
type listSorts[T any] map[string]func(a, b T) int

// by compares rows by one field.
func by[T any, K cmp.Ordered](key func(T) K) func(a, b T) int {
	return func(a, b T) int { return cmp.Compare(key(a), key(b)) }
}

// byFold compares rows by one text field, ignoring case.
func byFold[T any](key func(T) string) func(a, b T) int {
	return func(a, b T) int { return cmp.Compare(strings.ToLower(key(a)), strings.ToLower(key(b))) }
}

// Sortable reports a column the list sorts by.
func (s listSorts[T]) Sortable(col string) bool { _, ok := s[col]; return ok }

// listPage narrows all to the rows whose fields hold q (any case), sorts
// them by q.Sort (the rows' own order for an unknown one) and answers one
// page and how many matched.
func listPage[T any](all []T, q ListQuery, sorts listSorts[T], fields func(T) []string) ([]T, int) {
	if needle := strings.ToLower(strings.TrimSpace(q.Q)); needle != "" {
		all = slices.DeleteFunc(slices.Clone(all), func(r T) bool {
			return !slices.ContainsFunc(fields(r), func(f string) bool { return strings.Contains(strings.ToLower(f), needle) })
		})
	}
	if less, ok := sorts[q.Sort]; ok {
		all = slices.Clone(all)
		slices.SortStableFunc(all, func(a, b T) int {
			if q.Desc {
				return less(b, a)
			}
			return less(a, b)
		})
	}
	total := len(all)
	from := min(max(q.Offset, 0), total)
	to := total
	if q.Limit > 0 {
		to = min(from+q.Limit, total)
	}
	return all[from:to], total
}
