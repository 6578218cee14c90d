package handlers

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"abrak/services"
)

// The API's OpenAPI document is a hand-written JSON file rather than one built
// in Go: it is the contract itself, readable and diffable on its own, and any
// OpenAPI tool can lint it as it is. Two tests keep it honest — the route walk
// in web/openapi_test.go and the contract table in openapi_test.go — and the
// docs page is rendered from it, so the page cannot drift from it either.
//
//go:embed openapi.json
var openAPIFile []byte

// OpenAPI serves the document, public, with its server set to the panel's base URL.
func (h *Handlers) OpenAPI(c echo.Context) error {
	doc, err := servedOpenAPI(h.publicURL(c))
	if err == nil {
		doc, err = brandedOpenAPI(doc, h.brand(c).NameEN)
	}
	if err != nil {
		return services.Internal(err)
	}
	// Public data: let browser-based OpenAPI viewers on other origins read it.
	c.Response().Header().Set(echo.HeaderAccessControlAllowOrigin, "*")
	return c.JSONBlob(http.StatusOK, doc)
}

// openAPITop is the document's top level, field by field so that the served
// copy keeps the file's order; the test that compares the two catches a
// top-level key added to the file but not here.
type openAPITop struct {
	OpenAPI    json.RawMessage `json:"openapi"`
	Info       json.RawMessage `json:"info"`
	Servers    json.RawMessage `json:"servers"`
	Security   json.RawMessage `json:"security"`
	Tags       json.RawMessage `json:"tags"`
	Paths      json.RawMessage `json:"paths"`
	Components json.RawMessage `json:"components"`
}

// served caches the document per base URL (a setting or the brand's, never
// request input; a handful over a panel's life).
var served sync.Map

func servedOpenAPI(baseURL string) ([]byte, error) {
	if b, ok := served.Load(baseURL); ok {
		return b.([]byte), nil
	}
	var top openAPITop
	if err := json.Unmarshal(openAPIFile, &top); err != nil {
		return nil, fmt.Errorf("openapi.json: %w", err)
	}
	if baseURL != "" {
		s, err := json.Marshal([]map[string]string{{"url": strings.TrimRight(baseURL, "/"), "description": "This panel"}})
		if err != nil {
			return nil, err
		}
		top.Servers = s
	}
	b, err := json.MarshalIndent(top, "", "  ")
	if err != nil {
		return nil, err
	}
	served.Store(baseURL, b)
	return b, nil
}

// brandedOpenAPI is the document with info.title naming the provider's API
// ("Sample Cloud API") when it has a brand of its own; the rest, key order
// included, is left as it is.
func brandedOpenAPI(doc []byte, name string) ([]byte, error) {
	if name == "" || name == services.SoftwareNameEN {
		return doc, nil
	}
	var top struct {
		Info struct {
			Title string `json:"title"`
		} `json:"info"`
	}
	if err := json.Unmarshal(doc, &top); err != nil {
		return nil, err
	}
	old, _ := json.Marshal(top.Info.Title)
	title, _ := json.Marshal(strings.Replace(top.Info.Title, services.SoftwareNameEN, name, 1))
	return bytes.Replace(doc, append([]byte(`"title": `), old...), append([]byte(`"title": `), title...), 1), nil
}

// apiSpec is what the docs page shows of the document, in the document's order.
type apiSpec struct {
	Tags []oaTag
	Ops  []apiOp
}

// apiOp is one operation with its references resolved.
type apiOp struct {
	Method, Path string
	oaOperation
	Params    []oaParameter
	Responses []apiResponse // by status
	Example   json.RawMessage
}

// Public reports an operation that needs no token (`security: []`).
func (o apiOp) Public() bool { return o.Security != nil && len(*o.Security) == 0 }

type apiResponse struct {
	Status string
	oaResponse
}

// The subset of OpenAPI 3.1 that Abrak's document uses.
type (
	oaDoc struct {
		OpenAPI    string          `json:"openapi"`
		Tags       []oaTag         `json:"tags"`
		Paths      json.RawMessage `json:"paths"`
		Components struct {
			Parameters map[string]oaParameter `json:"parameters"`
			Responses  map[string]oaResponse  `json:"responses"`
		} `json:"components"`
	}
	oaTag struct {
		Name          string `json:"name"`
		Description   string `json:"description"`
		DescriptionFA string `json:"x-description-fa"`
	}
	oaOperation struct {
		OperationID string                 `json:"operationId"`
		Tags        []string               `json:"tags"`
		Summary     string                 `json:"summary"`
		SummaryFA   string                 `json:"x-summary-fa"`
		Scope       string                 `json:"x-scope"`
		Security    *[]map[string][]string `json:"security"`
		Parameters  []oaParameter          `json:"parameters"`
		RequestBody *oaRequestBody         `json:"requestBody"`
		Responses   map[string]oaResponse  `json:"responses"`
	}
	oaParameter struct {
		Ref           string `json:"$ref"`
		Name          string `json:"name"`
		In            string `json:"in"`
		Required      bool   `json:"required"`
		Description   string `json:"description"`
		DescriptionFA string `json:"x-description-fa"`
	}
	oaResponse struct {
		Ref           string `json:"$ref"`
		Description   string `json:"description"`
		DescriptionFA string `json:"x-description-fa"`
	}
	oaRequestBody struct {
		Content map[string]struct {
			Example json.RawMessage `json:"example"`
		} `json:"content"`
	}
)

// httpMethods is the order operations of one path are listed in.
var httpMethods = []string{"get", "put", "post", "patch", "delete", "head", "options", "trace"}

var loadAPISpec = sync.OnceValues(func() (apiSpec, error) { return parseAPISpec(openAPIFile) })

// parseAPISpec reads the document into the docs page's model. It refuses what
// it would otherwise show wrongly: a dangling $ref, path-level parameters.
func parseAPISpec(data []byte) (apiSpec, error) {
	var doc oaDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return apiSpec{}, fmt.Errorf("openapi: %w", err)
	}
	paths, items, err := orderedObject(doc.Paths)
	if err != nil {
		return apiSpec{}, fmt.Errorf("openapi paths: %w", err)
	}
	spec := apiSpec{Tags: doc.Tags}
	for _, path := range paths {
		var item map[string]json.RawMessage
		if err := json.Unmarshal(items[path], &item); err != nil {
			return apiSpec{}, fmt.Errorf("openapi %s: %w", path, err)
		}
		if _, ok := item["parameters"]; ok {
			return apiSpec{}, fmt.Errorf("openapi %s: declare parameters on each operation, not on the path", path)
		}
		for _, m := range httpMethods {
			raw, ok := item[m]
			if !ok {
				continue
			}
			op, err := parseOperation(&doc, strings.ToUpper(m), path, raw)
			if err != nil {
				return apiSpec{}, err
			}
			spec.Ops = append(spec.Ops, op)
		}
	}
	return spec, nil
}

func parseOperation(doc *oaDoc, method, path string, raw json.RawMessage) (apiOp, error) {
	op := apiOp{Method: method, Path: path}
	if err := json.Unmarshal(raw, &op.oaOperation); err != nil {
		return op, fmt.Errorf("openapi %s %s: %w", method, path, err)
	}
	for _, p := range op.Parameters {
		if p.Ref != "" {
			name, ok := strings.CutPrefix(p.Ref, "#/components/parameters/")
			r, found := doc.Components.Parameters[name]
			if !ok || !found {
				return op, fmt.Errorf("openapi %s %s: unresolved %s", method, path, p.Ref)
			}
			p = r
		}
		op.Params = append(op.Params, p)
	}
	for status, r := range op.oaOperation.Responses {
		if r.Ref != "" {
			name, ok := strings.CutPrefix(r.Ref, "#/components/responses/")
			c, found := doc.Components.Responses[name]
			if !ok || !found {
				return op, fmt.Errorf("openapi %s %s: unresolved %s", method, path, r.Ref)
			}
			r = c
		}
		op.Responses = append(op.Responses, apiResponse{Status: status, oaResponse: r})
	}
	sort.Slice(op.Responses, func(i, j int) bool { return op.Responses[i].Status < op.Responses[j].Status })
	if op.RequestBody != nil {
		op.Example = op.RequestBody.Content["application/json"].Example
	}
	return op, nil
}

// orderedObject returns a JSON object's keys in the order written, which
// encoding/json's maps forget (the docs page lists paths as the document does).
func orderedObject(raw json.RawMessage) ([]string, map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, nil, fmt.Errorf("want an object")
	}
	var keys []string
	values := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, err
		}
		key := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, nil, err
		}
		if _, dup := values[key]; dup {
			return nil, nil, fmt.Errorf("key %q repeated", key)
		}
		keys = append(keys, key)
		values[key] = v
	}
	return keys, values, nil
}
