package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/store"
	"abrak/testkit"
	"abrak/views/i18n"
	"abrak/vmstatus"
)

// docOp is one operation of the served OpenAPI document.
type docOp struct {
	Method, Path string
	ID, Summary  string
	SummaryFA    string
	Tag          string
}

// servedDoc fetches /api/v1/openapi.json as an anonymous client would.
func servedDoc(t *testing.T, a *testkit.App) (map[string]any, []docOp) {
	t.Helper()
	r := a.Client(t).Get("/api/v1/openapi.json")
	if r.Status != http.StatusOK {
		t.Fatalf("GET /api/v1/openapi.json: status %d\n%s", r.Status, testkit.Trim(r.Body))
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(r.Body), &doc); err != nil {
		t.Fatalf("the served document is not JSON: %v", err)
	}
	var ops []docOp
	for path, item := range doc["paths"].(map[string]any) {
		for method, v := range item.(map[string]any) {
			op, ok := v.(map[string]any)
			if !ok || !slices.Contains([]string{"get", "put", "post", "patch", "delete"}, method) {
				continue
			}
			d := docOp{Method: strings.ToUpper(method), Path: path}
			d.ID, _ = op["operationId"].(string)
			d.Summary, _ = op["summary"].(string)
			d.SummaryFA, _ = op["x-summary-fa"].(string)
			if tags, _ := op["tags"].([]any); len(tags) > 0 {
				d.Tag, _ = tags[0].(string)
			}
			ops = append(ops, d)
		}
	}
	return doc, ops
}

var echoParam = regexp.MustCompile(`:([A-Za-z0-9_]+)`)

// TestOpenAPIMatchesTheRouteTable fails when a route under /api/v1/ is added
// without being documented, or the document names one the server lacks.
func TestOpenAPIMatchesTheRouteTable(t *testing.T) {
	a := testkit.NewApp(t)
	_, ops := servedDoc(t, a)
	documented := map[string]bool{}
	for _, op := range ops {
		documented[op.Method+" "+op.Path] = true
	}
	routed := map[string]bool{}
	for _, r := range a.Server.Echo.Routes() {
		// Groups register catch-alls under the RouteNotFound pseudo-method; they are not endpoints.
		if r.Method == echo.RouteNotFound || !strings.HasPrefix(r.Path, "/api/v1/") {
			continue
		}
		routed[r.Method+" "+echoParam.ReplaceAllString(r.Path, "{$1}")] = true
	}
	var undocumented, unrouted []string
	for k := range routed {
		if !documented[k] {
			undocumented = append(undocumented, k)
		}
	}
	for k := range documented {
		if !routed[k] {
			unrouted = append(unrouted, k)
		}
	}
	slices.Sort(undocumented)
	slices.Sort(unrouted)
	for _, k := range undocumented {
		t.Errorf("route %s is served but not in handlers/openapi.json", k)
	}
	for _, k := range unrouted {
		t.Errorf("handlers/openapi.json documents %s, but no such route is registered", k)
	}
	if len(routed) == 0 {
		t.Error("no /api/v1/ route found: the walk is broken")
	}
}

func TestOpenAPIDocumentIsPublic(t *testing.T) {
	a := testkit.NewApp(t)
	doc, ops := servedDoc(t, a)
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.") {
		t.Errorf("openapi = %q, want 3.x", v)
	}
	servers, _ := doc["servers"].([]any)
	if len(servers) == 0 || servers[0].(map[string]any)["url"] != "http://localhost" {
		t.Errorf("servers = %v, want the panel's base URL http://localhost", servers)
	}
	if len(ops) < 19 {
		t.Errorf("%d operations served, want the whole contract", len(ops))
	}
}

func TestAPIDocsPageListsEveryEndpoint(t *testing.T) {
	a := testkit.NewApp(t)
	_, ops := servedDoc(t, a)
	perTag := map[string]int{}
	for _, op := range ops {
		perTag[op.Tag]++
	}
	for _, tc := range []struct {
		lang, dir string
		summary   func(docOp) string
		count     func(n int) string
	}{
		{"fa", "rtl", func(o docOp) string { return o.SummaryFA }, func(n int) string { return i18n.Number(i18n.FA, int64(n)) + " نقطهٔ پایانی" }},
		{"en", "ltr", func(o docOp) string { return o.Summary }, func(n int) string {
			if n == 1 {
				return "1 endpoint"
			}
			return fmt.Sprintf("%d endpoints", n)
		}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			c := a.Client(t)
			r := c.Get("/docs/api?lang=" + tc.lang)
			if r.Status != http.StatusOK {
				t.Fatalf("GET /docs/api before sign-in: status %d, want 200 (the page is public)", r.Status)
			}
			wantLang(t, "/docs/api", r, tc.lang, tc.dir)
			if !strings.Contains(r.Body, `data-testid="signin-link"`) {
				t.Error("an anonymous reader is offered no way to sign in")
			}
			for _, op := range ops {
				article := endpointArticle(r.Body, op.ID)
				if article == "" {
					t.Errorf("%s %s (%s) is not on the page", op.Method, op.Path, op.ID)
					continue
				}
				if !testkit.Contains(article, op.Path) || !strings.Contains(article, ">"+op.Method+"<") {
					t.Errorf("%s: method or path missing", op.ID)
				}
				if !testkit.Contains(article, tc.summary(op)) {
					t.Errorf("%s: summary %q missing in %s", op.ID, tc.summary(op), tc.lang)
				}
				if !testkit.Contains(article, "http://localhost"+op.Path) || !strings.Contains(article, `data-copy="curl-`+op.ID+`"`) {
					t.Errorf("%s: no cURL example against the base URL with a copy button", op.ID)
				}
			}
			for tag, n := range perTag {
				if !testkit.Contains(r.Body, tc.count(n)) {
					t.Errorf("tag %s: count %q not shown", tag, tc.count(n))
				}
			}
		})
	}
}

func TestAPIDocsPageSignedInUsesTheDashboard(t *testing.T) {
	a := testkit.NewApp(t)
	a.CreateUser(t, "dev@example.com", testkit.Password)
	c := a.Client(t)
	c.SignIn("dev@example.com", testkit.Password)
	r := c.Get("/docs/api?lang=en")
	if r.Status != http.StatusOK {
		t.Fatalf("status %d", r.Status)
	}
	if !strings.Contains(r.Body, `data-testid="balance"`) || strings.Contains(r.Body, `data-testid="signin-link"`) {
		t.Error("a signed-in reader should see the dashboard shell")
	}
	if !strings.Contains(r.Body, `data-operation-id="createVM"`) {
		t.Error("the reference is missing for a signed-in reader")
	}
}

// endpointArticle is the HTML of one endpoint's card, or "".
func endpointArticle(body, id string) string {
	start := strings.Index(body, `data-operation-id="`+id+`"`)
	if start < 0 {
		return ""
	}
	end := strings.Index(body[start:], "</article>")
	if end < 0 {
		return body[start:]
	}
	return body[start : start+end]
}

// TestAPIAnswersMatchTheDocument sends real requests and checks each answer's
// status is documented for its operation and its body has the documented
// shape: no undocumented field, every required one, JSON types as declared.
func TestAPIAnswersMatchTheDocument(t *testing.T) {
	a := testkit.NewApp(t)
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(a.DB.UpsertRegion(ctx, store.Region{Slug: "thr1", NameFA: "تهران", NameEN: "Tehran", IPNetwork: "10.77.0.0/24", Gateway: "10.77.0.1"}))
	must(a.DB.UpsertPlan(ctx, store.Plan{Slug: "starter", NameFA: "آغاز", NameEN: "Starter", VCPUs: 1, MemoryMB: 512, DiskGB: 10, PriceHourlyRials: 4000, Active: true}))
	must(a.DB.UpsertOSTemplate(ctx, store.OSTemplate{Slug: "debian-12", Name: "Debian 12", Volume: "debian-12.qcow2", MinDiskGB: 2, Active: true}))
	u := a.CreateUser(t, "doc@example.com", testkit.Password)
	all, _ := a.MintToken(t, "doc@example.com", services.AllScopes...)
	readOnly, _ := a.MintToken(t, "doc@example.com", services.ScopeVMRead)
	doc, _ := servedDoc(t, a)
	// Two VMs without a node: one in the recycle bin, one not.
	_, err := a.DB.Credit(ctx, u.ID, 1_000_000, "topup", "test")
	must(err)
	docCustomer := vmCustomer{email: "doc@example.com", id: u.ID, token: all}
	binned, kept := orderVM(t, a, docCustomer, "binned", "binned"), orderVM(t, a, docCustomer, "kept", "kept")
	settle(t, a, binned, vmstatus.Stopped)
	settle(t, a, kept, vmstatus.Stopped)

	const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMUuydsgrWE7DICUyan+6nbdalQoUvCgBFpk8YPgz+wI doc@laptop"
	rows := []struct {
		method, path, docPath, token, body string
		status                             int
	}{
		{"GET", "/api/v1/vms", "", all, "", 200},
		{"GET", "/api/v1/vms", "", "", "", 401},
		{"GET", "/api/v1/vms?status=sleeping", "/api/v1/vms", all, "", 422},
		{"GET", "/api/v1/vms/6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f", "/api/v1/vms/{uuid}", all, "", 404},
		{"PATCH", "/api/v1/vms/6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f", "/api/v1/vms/{uuid}", readOnly, `{"display_name":"x"}`, 403},
		{"GET", "/api/v1/actions/999", "/api/v1/actions/{id}", all, "", 404},
		{"GET", "/api/v1/plans", "", readOnly, "", 200},
		{"GET", "/api/v1/os-templates", "", readOnly, "", 200},
		{"GET", "/api/v1/regions", "", readOnly, "", 200},
		{"GET", "/api/v1/account", "", all, "", 200},
		{"GET", "/api/v1/account", "", readOnly, "", 403},
		{"POST", "/api/v1/ssh-keys", "", all, `{"name":"laptop","public_key":"` + key + `"}`, 201},
		{"POST", "/api/v1/ssh-keys", "", all, `{"name":"laptop",`, 400},
		{"POST", "/api/v1/ssh-keys", "", all, `{"name":"","public_key":"nope"}`, 422},
		{"GET", "/api/v1/ssh-keys", "", all, "", 200},
		{"GET", "/api/v1/team", "", all, "", 200},
		{"GET", "/api/v1/team", "", readOnly, "", 403},
		{"GET", "/api/v1/team/members", "", all, "", 200},
		{"GET", "/api/v1/team/invitations", "", all, "", 200},
		{"DELETE", "/api/v1/ssh-keys/424242", "/api/v1/ssh-keys/{id}", all, "", 404},
		{"DELETE", "/api/v1/vms/" + binned + "?purge=maybe", "/api/v1/vms/{uuid}", all, "", 422},
		{"DELETE", "/api/v1/vms/" + binned, "/api/v1/vms/{uuid}", all, "", 204},
		{"GET", "/api/v1/vms/" + binned, "/api/v1/vms/{uuid}", all, "", 200},
		{"GET", "/api/v1/vms?status=deleted", "/api/v1/vms", all, "", 200},
		{"POST", "/api/v1/vms/" + binned + "/restore", "/api/v1/vms/{uuid}/restore", readOnly, "", 403},
		{"POST", "/api/v1/vms/" + kept + "/restore", "/api/v1/vms/{uuid}/restore", all, "", 409},
		{"POST", "/api/v1/vms/6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f/restore", "/api/v1/vms/{uuid}/restore", all, "", 404},
		{"POST", "/api/v1/vms/" + binned + "/restore", "/api/v1/vms/{uuid}/restore", all, "", 503},
		{"POST", "/api/v1/admin/vms/" + kept + "/migrate", "/api/v1/admin/vms/{uuid}/migrate", all, `{"target_node":"n"}`, 403},
	}
	for _, row := range rows {
		name := row.method + " " + row.path + " " + strconv.Itoa(row.status)
		r := a.APICall(t, row.method, row.path, row.token, row.body)
		if r.Status != row.status {
			t.Errorf("%s: got %d\n%s", name, r.Status, testkit.Trim(r.Body))
			continue
		}
		docPath := row.docPath
		if docPath == "" {
			docPath = row.path
		}
		op, _ := doc["paths"].(map[string]any)[docPath].(map[string]any)[strings.ToLower(row.method)].(map[string]any)
		resp, ok := op["responses"].(map[string]any)[strconv.Itoa(r.Status)]
		if !ok {
			t.Errorf("%s: status not documented", name)
			continue
		}
		media, _ := docDeref(doc, docDeref(doc, resp)["content"])["application/json"].(map[string]any)
		if r.Status == http.StatusNoContent {
			if r.Body != "" || media != nil {
				t.Errorf("%s: a 204 with a body (%q) or documented content", name, r.Body)
			}
			continue
		}
		var body any
		if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
			t.Errorf("%s: body is not JSON: %v", name, err)
			continue
		}
		for _, problem := range conforms(doc, media["schema"], body, "body") {
			t.Errorf("%s: %s", name, problem)
		}
	}
}

// docDeref follows $ref in the served document.
func docDeref(doc map[string]any, v any) map[string]any {
	m, _ := v.(map[string]any)
	for m != nil {
		ref, ok := m["$ref"].(string)
		if !ok {
			break
		}
		var node any = doc
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			node = node.(map[string]any)[part]
		}
		m, _ = node.(map[string]any)
	}
	return m
}

// conforms checks a decoded JSON value against the subset of JSON Schema the
// document uses (type, properties, required, items).
func conforms(doc map[string]any, schema, v any, at string) []string {
	s := docDeref(doc, schema)
	if s == nil {
		return []string{at + ": no schema"}
	}
	var types []string
	switch ty := s["type"].(type) {
	case string:
		types = []string{ty}
	case []any:
		for _, x := range ty {
			types = append(types, x.(string))
		}
	}
	got := jsonType(v)
	if len(types) > 0 && !slices.Contains(types, got) && !(got == "integer" && slices.Contains(types, "number")) {
		return []string{fmt.Sprintf("%s: %s, documented as %v", at, got, types)}
	}
	var problems []string
	switch v := v.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		if props == nil {
			return nil // a free-form object (error fields)
		}
		for k, child := range v {
			if props[k] == nil {
				problems = append(problems, fmt.Sprintf("%s.%s is not documented", at, k))
				continue
			}
			problems = append(problems, conforms(doc, props[k], child, at+"."+k)...)
		}
		req, _ := s["required"].([]any)
		for _, k := range req {
			if _, ok := v[k.(string)]; !ok {
				problems = append(problems, fmt.Sprintf("%s.%s is required but missing", at, k))
			}
		}
	case []any:
		for i, item := range v {
			problems = append(problems, conforms(doc, s["items"], item, fmt.Sprintf("%s[%d]", at, i))...)
		}
	}
	return problems
}

func jsonType(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case float64:
		if v == float64(int64(v)) {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	}
	return "object"
}

// The docs' examples order from this panel's catalog: pasted as they are, the
// order and the resize are accepted (not refused for an unknown plan, image
// or region), whatever the slugs of the catalog are.
func TestAPIDocsExamplesWorkAsPasted(t *testing.T) {
	a := testkit.NewApp(t, testkit.WithAPIRateLimit(1000, 1000))
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(a.DB.UpsertRegion(ctx, store.Region{Slug: "ams-2", NameFA: "آمستردام", NameEN: "Amsterdam", IPNetwork: "10.30.0.0/24", Gateway: "10.30.0.1"}))
	must(a.DB.UpsertPlan(ctx, store.Plan{Slug: "s-1", NameFA: "ک", NameEN: "S", VCPUs: 1, MemoryMB: 1024, DiskGB: 20, PriceHourlyRials: 1000, Sort: 1, Active: true}))
	must(a.DB.UpsertPlan(ctx, store.Plan{Slug: "m-2", NameFA: "م", NameEN: "M", VCPUs: 2, MemoryMB: 2048, DiskGB: 40, PriceHourlyRials: 2000, Sort: 2, Active: true}))
	must(a.DB.UpsertOSTemplate(ctx, store.OSTemplate{Slug: "alpine-3", Name: "Alpine", Volume: "a.qcow2", MinDiskGB: 1, Active: true,
		Features: []string{"password", "ssh_key", "user_data"}}))
	cust := newVMCustomer(t, a, "paste@example.com", 1_000_000)
	page := a.Client(t).Get("/docs/api?lang=en").Body
	body := func(id string) string {
		t.Helper()
		m := regexp.MustCompile(`-d &#39;(.*?)&#39;`).FindStringSubmatch(endpointArticle(page, id))
		if m == nil {
			t.Fatalf("%s: no example body on the page", id)
		}
		return html.UnescapeString(m[1])
	}
	create := body("createVM")
	for _, slug := range []string{`"s-1"`, `"alpine-3"`} {
		if !strings.Contains(create, slug) {
			t.Errorf("the order example does not use %s: %s", slug, create)
		}
	}
	r := a.APICall(t, http.MethodPost, "/api/v1/vms", cust.token, create)
	if r.Status != http.StatusAccepted && r.Status != http.StatusServiceUnavailable {
		t.Fatalf("the order example as pasted: %d %s", r.Status, testkit.Trim(r.Body))
	}
	uuid := strings.TrimPrefix(r.Header.Get("Location"), "/api/v1/vms/")
	settle(t, a, uuid, vmstatus.Stopped)
	resize := body("resizeVM")
	if !strings.Contains(resize, `"m-2"`) {
		t.Errorf("the resize example does not grow to the last plan: %s", resize)
	}
	// Without a node the resize waits for one (503); what it must not be is refused.
	if r := a.APICall(t, http.MethodPost, "/api/v1/vms/"+uuid+"/resize", cust.token, resize); r.Status >= 400 && r.Status != http.StatusServiceUnavailable {
		t.Fatalf("the resize example as pasted: %d %s", r.Status, testkit.Trim(r.Body))
	}
}
