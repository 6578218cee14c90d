package testkit

// Every API request a test makes through App.APICall, and its answer, is
// checked against the OpenAPI document the panel serves, by kin-openapi's
// openapi3filter: an answer whose status the operation does not document, or
// whose body does not fit the documented schema, fails the test that made it;
// so does a request the panel accepted (below 400) that the document would
// refuse. A refused request is not checked against the document: tests send
// wrong ones on purpose, and the refusal's own answer is checked.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// apiDocument is the served document, loaded once, and its paths as patterns.
type apiDocument struct {
	doc   *openapi3.T
	paths []docPath
}

type docPath struct {
	path   string
	re     *regexp.Regexp
	params []string
}

var (
	apiDocOnce sync.Once
	apiDoc     *apiDocument
	apiDocErr  error
)

// loadAPIDocument reads /api/v1/openapi.json from base (the same embedded
// file for every panel) and validates it once.
func loadAPIDocument(base string) (*apiDocument, error) {
	apiDocOnce.Do(func() {
		res, err := http.Get(base + "/api/v1/openapi.json")
		if err != nil {
			apiDocErr = err
			return
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil {
			apiDocErr = err
			return
		}
		doc, err := openapi3.NewLoader().LoadFromData(b)
		if err != nil {
			apiDocErr = err
			return
		}
		if err := doc.Validate(context.Background()); err != nil {
			apiDocErr = err
			return
		}
		d := &apiDocument{doc: doc}
		param := regexp.MustCompile(`\{([^}]+)\}`)
		for path := range doc.Paths.Map() {
			dp := docPath{path: path}
			for _, m := range param.FindAllStringSubmatch(path, -1) {
				dp.params = append(dp.params, m[1])
			}
			dp.re = regexp.MustCompile("^" + regexp.MustCompile(`\\\{[^}]+\\\}`).ReplaceAllString(regexp.QuoteMeta(path), `([^/]+)`) + "$")
			d.paths = append(d.paths, dp)
		}
		// A literal path wins over a templated one that also matches.
		sort.Slice(d.paths, func(i, j int) bool { return len(d.paths[i].params) < len(d.paths[j].params) })
		apiDoc = d
	})
	return apiDoc, apiDocErr
}

// route finds the documented operation of method and path, or nil when the
// document has none (an undocumented route is the route walk's failure, in
// web/openapi_test.go, not this one's).
func (d *apiDocument) route(method, path string) (*routers.Route, map[string]string) {
	path = strings.TrimSuffix(path, "/") // the API takes a trailing slash as the path without it
	for _, dp := range d.paths {
		m := dp.re.FindStringSubmatch(path)
		if m == nil {
			continue
		}
		item := d.doc.Paths.Value(dp.path)
		op := item.GetOperation(method)
		if op == nil {
			return nil, nil
		}
		params := map[string]string{}
		for i, name := range dp.params {
			v, err := url.PathUnescape(m[i+1])
			if err != nil {
				v = m[i+1]
			}
			params[name] = v
		}
		return &routers.Route{Spec: d.doc, Path: dp.path, PathItem: item, Method: method, Operation: op}, params
	}
	return nil, nil
}

// checkAPIExchange validates one request and its answer against the document.
func (a *App) checkAPIExchange(t testing.TB, req *http.Request, reqBody string, status int, header http.Header, body []byte) {
	t.Helper()
	if !strings.HasPrefix(req.URL.Path, "/api/v1/") || req.URL.Path == "/api/v1/openapi.json" {
		return
	}
	d, err := loadAPIDocument(a.URL)
	if err != nil {
		t.Fatalf("the served OpenAPI document: %v", err)
	}
	route, params := d.route(req.Method, req.URL.Path)
	if route == nil {
		return
	}
	// A copy of the request as the filter reads it: its body again, its URL
	// without the host (the document's server is the panel's base URL).
	r := req.Clone(context.Background())
	r.Body = io.NopCloser(strings.NewReader(reqBody))
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true, IncludeResponseStatus: true}}
	what := req.Method + " " + req.URL.RequestURI()
	if status < 400 {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			t.Errorf("%s: the panel accepted a request handlers/openapi.json refuses: %v", what, err)
		}
	}
	if anyRoute[status] && route.Operation.Responses.Status(status) == nil {
		// Refused before any handler (web/limits.go): any route may answer
		// so, which the document says once; the body is still the API's error.
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			t.Errorf("%s: the answer %d is not JSON: %v", what, status, err)
		} else if err := d.doc.Components.Schemas["Error"].Value.VisitJSON(v); err != nil {
			t.Errorf("%s: the answer %d is not the API's error document: %v", what, status, err)
		}
		return
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: status, Header: header,
		Body: io.NopCloser(bytes.NewReader(body)), Options: in.Options}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("%s: the answer %d is not what handlers/openapi.json documents: %v\n%s", what, status, err, Trim(string(body)))
	}
}

// anyRoute are the statuses a request is refused with before its route's
// handler, on every route: a malformed or absurd address (400), a body or an
// address too large (413, 414), headers too large (431).
var anyRoute = map[int]bool{http.StatusBadRequest: true, http.StatusRequestEntityTooLarge: true,
	http.StatusRequestURITooLong: true, http.StatusRequestHeaderFieldsTooLarge: true}
