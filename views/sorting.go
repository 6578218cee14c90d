package views

import "net/url"

// Sorting is a list's sortable header: the column it is sorted by now (Col,
// Desc), the page's path and the query a header's link keeps (the search,
// the filters; never the offset, so a new order starts on the first page).
type Sorting struct {
	Path string
	Col  string
	Desc bool
	Keep url.Values
}

// Link is the column's header link: sorted by it, the other way when it is
// the column sorted by now.
func (o Sorting) Link(col string) string {
	q := url.Values{}
	for k, v := range o.Keep {
		if k != "sort" && k != "desc" && k != "offset" {
			q[k] = v
		}
	}
	q.Set("sort", col)
	if o.Col == col && !o.Desc {
		q.Set("desc", "1")
	}
	return o.Path + "?" + q.Encode()
}

// ariaSort is the header's aria-sort for col: "" when not sorted by it.
func (o Sorting) ariaSort(col string) string {
	switch {
	case o.Col != col:
		return ""
	case o.Desc:
		return "descending"
	}
	return "ascending"
}

// List is a catalog page's list: its search, its sortable header, its pages.
type List struct {
	Q     string
	Sort  Sorting
	Pager Pager
}

// SortCol is a sortable column: its name in the list's whitelist and its
// header's message key.
type SortCol struct{ Col, Label string }
