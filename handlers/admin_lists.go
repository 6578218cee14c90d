package handlers

import (
	"net/url"

	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/views"
)

// listQuery reads an operator's list page from the query: q, sort, desc,
// limit, offset. A sort the list does not whitelist is dropped (a page
// ignores it; the JSON twins refuse it with apiListQuery). keep is what the
// pager and the sortable headers carry along.
func listQuery(c echo.Context, sortable func(string) bool, extra ...string) (services.ListQuery, url.Values) {
	limit, offset := paging(c, 50, 200)
	q := services.ListQuery{Q: c.QueryParam("q"), Sort: c.QueryParam("sort"), Desc: c.QueryParam("desc") == "1" || c.QueryParam("desc") == "true",
		Limit: limit, Offset: offset}
	if !sortable(q.Sort) {
		q.Sort, q.Desc = "", false
	}
	keep := url.Values{}
	for _, k := range extra {
		if v := c.QueryParam(k); v != "" {
			keep.Set(k, v)
		}
	}
	if q.Q != "" {
		keep.Set("q", q.Q)
	}
	if q.Sort != "" {
		keep.Set("sort", q.Sort)
	}
	if q.Desc {
		keep.Set("desc", "1")
	}
	return q, keep
}

// apiListQuery is listQuery for a JSON twin: a sort it does not know is a 422.
func apiListQuery(c echo.Context, sortable func(string) bool, extra ...string) (services.ListQuery, url.Values, error) {
	if s := c.QueryParam("sort"); s != "" && !sortable(s) {
		return services.ListQuery{}, nil, services.Invalid(map[string]string{"sort": "admin.list.bad_sort"})
	}
	q, keep := listQuery(c, sortable, extra...)
	return q, keep, nil
}

// listSorting is a list page's sortable header for q, keeping keep.
func listSorting(path string, q services.ListQuery, keep url.Values) views.Sorting {
	return views.Sorting{Path: path, Col: q.Sort, Desc: q.Desc, Keep: keep}
}

// listPager is a list page's pager for q.
func listPager(path string, q services.ListQuery, keep url.Values, total int) views.Pager {
	return views.Pager{Total: total, Limit: q.Limit, Offset: q.Offset, Path: path, Query: keep}
}

// listMeta is a JSON twin's meta: how many match, and the page.
func listMeta(q services.ListQuery, total int) map[string]int {
	return map[string]int{"total": total, "limit": q.Limit, "offset": q.Offset}
}
