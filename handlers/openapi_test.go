package handlers

import (
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"abrak/services"
	"abrak/vmstatus"
)

// oaTree is the document as plain JSON values, for checks that walk all of it.
func oaTree(t *testing.T) map[string]any {
	t.Helper()
	if !json.Valid(openAPIFile) {
		t.Fatal("openapi.json is not valid JSON")
	}
	var doc map[string]any
	if err := json.Unmarshal(openAPIFile, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// pointer resolves a local $ref ("#/components/schemas/VM") against the document.
func pointer(doc map[string]any, ref string) (any, error) {
	frag, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, fmt.Errorf("%s: only local references are used", ref)
	}
	var node any = doc
	for _, part := range strings.Split(frag, "/") {
		part, _ = url.PathUnescape(part)
		part = strings.NewReplacer("~1", "/", "~0", "~").Replace(part)
		m, ok := node.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: %q is not inside an object", ref, part)
		}
		if node, ok = m[part]; !ok {
			return nil, fmt.Errorf("%s: no %q", ref, part)
		}
	}
	return node, nil
}

// deref follows $ref until it reaches an object.
func deref(t *testing.T, doc map[string]any, v any) map[string]any {
	t.Helper()
	m, _ := v.(map[string]any)
	for m != nil {
		ref, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		target, err := pointer(doc, ref)
		if err != nil {
			t.Fatal(err)
		}
		m, _ = target.(map[string]any)
	}
	t.Fatalf("%v is not an object", v)
	return nil
}

func TestOpenAPIEveryRefResolves(t *testing.T) {
	doc := oaTree(t)
	refs := 0
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				refs++
				if _, err := pointer(doc, ref); err != nil {
					t.Errorf("%s: %v", path, err)
				}
			}
			for k, child := range v {
				walk(path+"/"+k, child)
			}
		case []any:
			for i, child := range v {
				walk(fmt.Sprintf("%s/%d", path, i), child)
			}
		}
	}
	walk("#", doc)
	if refs == 0 {
		t.Fatal("no $ref found: the walk is broken")
	}
}

// operations yields every method and path of the document.
func operations(doc map[string]any) (ops []struct {
	Method, Path string
	Op           map[string]any
}) {
	for path, item := range doc["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			if slices.Contains(httpMethods, method) {
				ops = append(ops, struct {
					Method, Path string
					Op           map[string]any
				}{strings.ToUpper(method), path, op.(map[string]any)})
			}
		}
	}
	return ops
}

var pathParam = regexp.MustCompile(`\{([^}]+)\}`)

func TestOpenAPIDocumentIsWellFormed(t *testing.T) {
	doc := oaTree(t)
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.") {
		t.Fatalf("openapi = %q, want 3.x", v)
	}
	info := deref(t, doc, doc["info"])
	if info["title"] == nil || info["version"] == nil {
		t.Error("info needs title and version")
	}
	scheme := deref(t, doc, deref(t, doc, doc["components"])["securitySchemes"])["bearerAuth"]
	if s := deref(t, doc, scheme); s["type"] != "http" || s["scheme"] != "bearer" {
		t.Errorf("bearerAuth = %v, want http bearer", s)
	}
	tags := map[string]bool{}
	for _, tv := range doc["tags"].([]any) {
		tag := tv.(map[string]any)
		tags[tag["name"].(string)] = true
		if tag["description"] == nil || tag["x-description-fa"] == nil {
			t.Errorf("tag %v needs description and x-description-fa", tag["name"])
		}
	}
	ids := map[string]string{}
	ops := operations(doc)
	if len(ops) == 0 {
		t.Fatal("no operations")
	}
	for _, o := range ops {
		name := o.Method + " " + o.Path
		if !strings.HasPrefix(o.Path, "/api/v1/") {
			t.Errorf("%s: paths are full paths under /api/v1/", name)
		}
		id, _ := o.Op["operationId"].(string)
		if id == "" {
			t.Errorf("%s: no operationId", name)
		} else if other, dup := ids[id]; dup {
			t.Errorf("%s: operationId %q also used by %s", name, id, other)
		}
		ids[id] = name
		if tl, _ := o.Op["tags"].([]any); len(tl) == 0 || !tags[tl[0].(string)] {
			t.Errorf("%s: first tag %v is not declared in tags", name, o.Op["tags"])
		}
		for _, k := range []string{"summary", "x-summary-fa"} {
			if s, _ := o.Op[k].(string); s == "" {
				t.Errorf("%s: no %s", name, k)
			}
		}
		checkSecurity(t, doc, name, o.Op)
		checkParameters(t, doc, name, o.Path, o.Op)
		checkResponses(t, doc, name, o.Op)
		if rb, ok := o.Op["requestBody"]; ok {
			content := deref(t, doc, deref(t, doc, rb)["content"])
			if upload, ok := content["multipart/form-data"]; ok {
				// An upload (an image) has fields, not a JSON example; its description shows the call.
				if deref(t, doc, upload)["schema"] == nil {
					t.Errorf("%s: a multipart request body needs a schema", name)
				}
				continue
			}
			media := deref(t, doc, content["application/json"])
			if media["schema"] == nil || media["example"] == nil {
				t.Errorf("%s: a JSON request body needs a schema and an example (the docs page shows it)", name)
			}
		}
	}
}

// checkSecurity: public operations say `security: []`; the rest need a token,
// and x-scope, when present, is a real scope matching the security requirement.
func checkSecurity(t *testing.T, doc map[string]any, name string, op map[string]any) {
	t.Helper()
	sec, hasSec := op["security"].([]any)
	if hasSec && len(sec) == 0 {
		if op["x-scope"] != nil {
			t.Errorf("%s: a public operation has no x-scope", name)
		}
		return
	}
	scope, _ := op["x-scope"].(string)
	if op["x-scope"] != nil && !services.ValidScope(scope) {
		t.Errorf("%s: x-scope %q is not a token scope (%v)", name, scope, services.AllScopes)
	}
	want := []any{map[string]any{"bearerAuth": []any{}}}
	if scope != "" {
		want = []any{map[string]any{"bearerAuth": []any{scope}}}
	}
	if !hasSec {
		sec, _ = doc["security"].([]any)
	}
	if !reflect.DeepEqual(sec, want) {
		t.Errorf("%s: security %v, want %v to match x-scope %q", name, sec, want, scope)
	}
	responses := op["responses"].(map[string]any)
	for _, st := range []string{"401", "429"} {
		if responses[st] == nil {
			t.Errorf("%s: needs a token, so it documents %s", name, st)
		}
	}
	if scope != "" && responses["403"] == nil {
		t.Errorf("%s: has a scope, so it documents 403", name)
	}
}

func checkParameters(t *testing.T, doc map[string]any, name, path string, op map[string]any) {
	t.Helper()
	declared := map[string]bool{}
	params, _ := op["parameters"].([]any)
	for _, pv := range params {
		p := deref(t, doc, pv)
		for _, k := range []string{"name", "in", "description", "x-description-fa"} {
			if s, _ := p[k].(string); s == "" {
				t.Errorf("%s: parameter %v has no %s", name, p["name"], k)
			}
		}
		if p["in"] == "path" {
			declared[p["name"].(string)] = true
			if p["required"] != true {
				t.Errorf("%s: path parameter %v must be required", name, p["name"])
			}
		}
	}
	inPath := map[string]bool{}
	for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
		inPath[m[1]] = true
		if !declared[m[1]] {
			t.Errorf("%s: {%s} is not declared as a path parameter", name, m[1])
		}
	}
	for p := range declared {
		if !inPath[p] {
			t.Errorf("%s: path parameter %s is not in the path", name, p)
		}
	}
}

func checkResponses(t *testing.T, doc map[string]any, name string, op map[string]any) {
	t.Helper()
	responses, _ := op["responses"].(map[string]any)
	ok2xx := false
	for status, rv := range responses {
		if !regexp.MustCompile(`^[1-5][0-9][0-9]$`).MatchString(status) {
			t.Errorf("%s: response %q is not a status code", name, status)
			continue
		}
		r := deref(t, doc, rv)
		if s, _ := r["description"].(string); s == "" {
			t.Errorf("%s %s: no description", name, status)
		}
		if s, _ := r["x-description-fa"].(string); s == "" {
			t.Errorf("%s %s: no x-description-fa", name, status)
		}
		if status[0] == '2' {
			ok2xx = true
			continue
		}
		schema := deref(t, doc, deref(t, doc, deref(t, doc, r["content"])["application/json"])["schema"])
		if errSchema := deref(t, doc, map[string]any{"$ref": "#/components/schemas/Error"}); !reflect.DeepEqual(schema, errSchema) {
			t.Errorf("%s %s: an error answers with the Error schema", name, status)
		}
	}
	if !ok2xx {
		t.Errorf("%s: no 2xx response", name)
	}
}

// contract is the API as issue 4 and seeds/000 fix it: every path, scope and
// status here must be in the document ("" scope: any valid token; "-": public).
var contract = []struct {
	method, path, scope string
	statuses            []string
}{
	{"GET", "/api/v1/vms", "vm:read", []string{"200", "401", "403", "422", "429"}},
	{"POST", "/api/v1/vms", "vm:create", []string{"202", "400", "401", "403", "422", "429", "503"}},
	{"GET", "/api/v1/vms/{uuid}", "vm:read", []string{"200", "401", "403", "404"}},
	{"PATCH", "/api/v1/vms/{uuid}", "vm:write", []string{"200", "401", "403", "404", "422"}},
	{"DELETE", "/api/v1/vms/{uuid}", "vm:delete", []string{"204", "401", "403", "404"}},
	{"POST", "/api/v1/vms/{uuid}/restore", "vm:delete", []string{"200", "401", "403", "404", "409", "422"}},
	{"POST", "/api/v1/vms/{uuid}/power/{action}", "vm:write", []string{"200", "401", "403", "404", "409"}},
	{"POST", "/api/v1/vms/{uuid}/console", "vm:console", []string{"200", "401", "403", "404", "409", "503"}},
	{"POST", "/api/v1/vms/{uuid}/security/password", "vm:write", []string{"204", "401", "403", "404", "409", "422"}},
	{"POST", "/api/v1/vms/{uuid}/security/hostname", "vm:write", []string{"200", "401", "403", "404", "422"}},
	{"GET", "/api/v1/vms/{uuid}/actions", "vm:read", []string{"200", "401", "403", "404"}},
	{"GET", "/api/v1/actions/{id}", "vm:read", []string{"200", "401", "403", "404"}},
	{"GET", "/api/v1/plans", "", []string{"200", "401"}},
	{"GET", "/api/v1/os-templates", "", []string{"200", "401"}},
	{"GET", "/api/v1/regions", "", []string{"200", "401"}},
	{"GET", "/api/v1/account", "account:read", []string{"200", "401", "403"}},
	{"GET", "/api/v1/ssh-keys", "account:read", []string{"200", "401", "403"}},
	{"POST", "/api/v1/ssh-keys", "vm:write", []string{"201", "401", "403", "422"}},
	{"GET", "/api/v1/ssh-keys/{id}", "account:read", []string{"200", "401", "403", "404"}},
	{"DELETE", "/api/v1/ssh-keys/{id}", "vm:write", []string{"204", "401", "403", "404"}},
	{"POST", "/api/v1/billing/topups", "wallet:write", []string{"200", "201", "401", "403", "422", "429", "503"}},
	{"GET", "/api/v1/billing/topups/{id}", "account:read", []string{"200", "401", "403", "404"}},
	{"GET", "/api/v1/openapi.json", "-", []string{"200"}},
	// Backups (issue 27).
	{"GET", "/api/v1/vms/{uuid}/backups", "vm:read", []string{"200", "401", "403", "404"}},
	{"POST", "/api/v1/vms/{uuid}/backups", "vm:write", []string{"202", "401", "403", "404", "409", "503"}},
	{"POST", "/api/v1/vms/{uuid}/backups/{id}/restore", "vm:write", []string{"200", "202", "401", "403", "404", "409", "422", "503"}},
	{"DELETE", "/api/v1/vms/{uuid}/backups/{id}", "vm:write", []string{"204", "401", "403", "404"}},
	// The operators' door (issue 32).
	{"POST", "/api/v1/admin/vms/{uuid}/migrate", "admin", []string{"202", "401", "403", "404", "409", "422", "503"}},
}

func TestOpenAPIHoldsTheContract(t *testing.T) {
	doc := oaTree(t)
	paths := doc["paths"].(map[string]any)
	for _, c := range contract {
		item, _ := paths[c.path].(map[string]any)
		op, _ := item[strings.ToLower(c.method)].(map[string]any)
		if op == nil {
			t.Errorf("%s %s is not documented", c.method, c.path)
			continue
		}
		scope, _ := op["x-scope"].(string)
		sec, hasSec := op["security"].([]any)
		public := hasSec && len(sec) == 0
		switch {
		case c.scope == "-" && !public:
			t.Errorf("%s %s: should be public (security: [])", c.method, c.path)
		case c.scope != "-" && (public || scope != c.scope):
			t.Errorf("%s %s: x-scope %q, want %q", c.method, c.path, scope, c.scope)
		}
		responses := op["responses"].(map[string]any)
		for _, st := range c.statuses {
			if responses[st] == nil {
				t.Errorf("%s %s: does not document %s", c.method, c.path, st)
			}
		}
		if c.method == "POST" && c.path == "/api/v1/vms" {
			for _, st := range []string{"202", "503"} {
				if h := deref(t, doc, responses[st])["headers"].(map[string]any); h["Location"] == nil {
					t.Errorf("POST /api/v1/vms %s: the contract gives a Location header", st)
				}
			}
		}
	}
}

func TestParseAPISpecKeepsTheDocumentsOrder(t *testing.T) {
	spec, err := parseAPISpec(openAPIFile)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(spec.Ops), len(operations(oaTree(t))); got != want {
		t.Fatalf("parsed %d operations, the document has %d", got, want)
	}
	// The seed page's order: list, create, get, update.
	var ids []string
	for _, op := range spec.Ops[:4] {
		ids = append(ids, op.OperationID)
	}
	if want := []string{"listVMs", "createVM", "getVM", "updateVM"}; !slices.Equal(ids, want) {
		t.Errorf("first operations %v, want %v", ids, want)
	}
	for _, op := range spec.Ops {
		for i := 1; i < len(op.Responses); i++ {
			if op.Responses[i-1].Status > op.Responses[i].Status {
				t.Errorf("%s: responses out of order", op.OperationID)
			}
		}
		for _, r := range op.Responses {
			if r.Description == "" || r.DescriptionFA == "" {
				t.Errorf("%s %s: a $ref was not resolved into its descriptions", op.OperationID, r.Status)
			}
		}
	}
}

func TestParseAPISpecRefusesDanglingRefs(t *testing.T) {
	doc := `{"openapi":"3.1.0","paths":{"/api/v1/x":{"get":{"operationId":"x","responses":{"404":{"$ref":"#/components/responses/Nope"}}}}}}`
	if _, err := parseAPISpec([]byte(doc)); err == nil || !strings.Contains(err.Error(), "Nope") {
		t.Errorf("err = %v, want it to name the unresolved reference", err)
	}
}

func TestServedOpenAPIPointsAtTheBaseURL(t *testing.T) {
	var file map[string]any
	if err := json.Unmarshal(openAPIFile, &file); err != nil {
		t.Fatal(err)
	}
	b, err := servedOpenAPI("https://panel.example.ir/")
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	servers := got["servers"].([]any)
	if u := servers[0].(map[string]any)["url"]; u != "https://panel.example.ir" {
		t.Errorf("servers[0].url = %v, want the base URL without its trailing slash", u)
	}
	delete(got, "servers")
	delete(file, "servers")
	if !reflect.DeepEqual(got, file) {
		for k := range file {
			if !reflect.DeepEqual(got[k], file[k]) {
				t.Errorf("served document differs from openapi.json at %q (a top-level key openAPITop lacks?)", k)
			}
		}
	}
}

func TestCurlExample(t *testing.T) {
	spec, err := parseAPISpec(openAPIFile)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]apiOp{}
	for _, op := range spec.Ops {
		byID[op.OperationID] = op
	}
	got := curlExample(byID["createVM"], "https://panel.example.ir", exampleSlugs{})
	want := `curl -X POST -H "Authorization: Bearer $ABRAK_TOKEN" \
  -H "Content-Type: application/json" \
  -d '{"plan_slug":"starter","os_template_slug":"debian-12","auth_mode":"password","custom_password":"StrongPass123!"}' \
  https://panel.example.ir/api/v1/vms`
	if got != want {
		t.Errorf("createVM:\n%s\nwant\n%s", got, want)
	}
	if got := curlExample(byID["getVM"], "https://p.ir", exampleSlugs{}); got != "curl -X GET -H \"Authorization: Bearer $ABRAK_TOKEN\" \\\n  https://p.ir/api/v1/vms/{uuid}" {
		t.Errorf("getVM: %s", got)
	}
	if got := curlExample(byID["getOpenAPI"], "https://p.ir", exampleSlugs{}); strings.Contains(got, "Authorization") {
		t.Errorf("a public operation's example sends no token: %s", got)
	}
	op := byID["updateVM"]
	op.Example = json.RawMessage(`{"display_name":"it's"}`)
	if got := curlExample(op, "https://p.ir", exampleSlugs{}); !strings.Contains(got, `-d '{"display_name":"it'\''s"}'`) {
		t.Errorf("a quote in the body must survive the shell: %s", got)
	}
}

// The document's VM status enum is the vocabulary's, in its order.
func TestTheDocumentedStatusesAreTheVocabulary(t *testing.T) {
	doc := oaTree(t)
	node, err := pointer(doc, "#/components/schemas/VMStatus/enum")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range node.([]any) {
		got = append(got, v.(string))
	}
	var want []string
	for _, st := range vmstatus.All {
		want = append(want, string(st))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("VMStatus enum %v, want %v", got, want)
	}
}
