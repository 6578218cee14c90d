package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"abrak/services"
)

// maxJSONBody bounds an API request body; the largest legitimate one is a VM
// order with 64 KiB of user_data, which JSON escaping may grow up to sixfold.
const maxJSONBody = 6*services.MaxUserData + 16<<10

// decodeJSON reads the request body into dst, strictly: a field dst does not
// know, or a value of the wrong type, is a 422 naming that field, so a typo in
// a client ("display-name") is reported instead of silently ignored. An empty
// body decodes as {} so that the service names the required fields.
func decodeJSON(c echo.Context, dst any) error {
	r := c.Request()
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), r.Body, maxJSONBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return &services.Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Key: "error.too_large", Err: err}
		}
		return badJSON(err)
	}
	return decodeJSONBytes(body, dst)
}

// decodeJSONBytes is decodeJSON without the request, for tests and fuzzing.
func decodeJSONBytes(body []byte, dst any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonProblem(err, dst)
	}
	if _, err := dec.Token(); err != io.EOF {
		return badJSON(errors.New("data after the JSON object"))
	}
	return nil
}

// jsonProblem turns a decoding error into the API's answer: field problems
// are 422 naming the field (an unknown one with the fields dst accepts, so a
// client that guessed a name learns the right one), malformed JSON is 400.
func jsonProblem(err error, dst any) error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		field := typeErr.Field
		if field == "" {
			field = "body" // the body is not an object at all
		}
		return services.Invalid(map[string]string{field: "api.field_type"})
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if n, err := strconv.Unquote(name); err == nil {
			name = n
		}
		return services.InvalidWith("api.fields_accepted", map[string]string{name: "api.field_unknown"},
			"fields", strings.Join(jsonFields(dst), ", "))
	}
	return badJSON(err)
}

// jsonFields are the names a body of dst's type takes, in declaration order.
func jsonFields(dst any) []string {
	t := reflect.TypeOf(dst)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.IsExported() && name != "-" && name != "" {
			names = append(names, name)
		}
	}
	return names
}

func badJSON(err error) error {
	return &services.Error{Status: http.StatusBadRequest, Code: "bad_request", Key: "api.body_malformed", Err: err}
}

// setLocation points the client at a resource.
func setLocation(c echo.Context, path string) {
	c.Response().Header().Set(echo.HeaderLocation, path)
}

// setPageLinks writes an RFC 8288 Link header with the next and previous
// pages of a list, keeping the parameters the list reads besides paging
// (keep), and no others: the header is kept with the list's answer.
func setPageLinks(c echo.Context, keep url.Values, total, limit, offset int) {
	links := pageLinks(c.Request().URL.Path, keep, total, limit, offset)
	if len(links) > 0 {
		c.Response().Header().Set("Link", strings.Join(links, ", "))
	}
}

func pageLinks(path string, query url.Values, total, limit, offset int) []string {
	at := func(off int, rel string) string {
		q := url.Values{}
		for k, v := range query {
			q[k] = v
		}
		q.Set("limit", strconv.Itoa(limit))
		q.Set("offset", strconv.Itoa(off))
		return "<" + path + "?" + q.Encode() + `>; rel="` + rel + `"`
	}
	var links []string
	if offset+limit < total {
		links = append(links, at(offset+limit, "next"))
	}
	if offset > 0 {
		links = append(links, at(max(0, offset-limit), "prev"))
	}
	if total > 0 {
		links = append(links, at(0, "first"), at((total-1)/limit*limit, "last"))
	}
	return links
}

// encodeJSON is the bytes c.JSON would write (indented for ?pretty), for an
// answer that is kept and written again.
func encodeJSON(c echo.Context, v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	if _, pretty := c.QueryParams()["pretty"]; pretty {
		enc.SetIndent("", "  ")
	}
	err := enc.Encode(v)
	return buf.Bytes(), err
}
