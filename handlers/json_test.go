package handlers

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"abrak/services"
)

func TestDecodeJSONNamesTheBadField(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		status int
		field  string // the field the 422 names
		want   apiCreateVM
	}{
		{"good body", `{"plan_slug":"starter","ssh_key_ids":[1,2]}`, 0, "", apiCreateVM{PlanSlug: "starter", SSHKeyIDs: []int64{1, 2}}},
		{"empty body is an empty object", "", 0, "", apiCreateVM{}},
		{"whitespace body", " \n", 0, "", apiCreateVM{}},
		{"null fields keep their zero value", `{"plan_slug":null}`, 0, "", apiCreateVM{}},
		{"number for a string", `{"plan_slug":1}`, 422, "plan_slug", apiCreateVM{}},
		{"string in an id list", `{"ssh_key_ids":["a"]}`, 422, "ssh_key_ids", apiCreateVM{}},
		{"object for a list", `{"ssh_key_ids":{}}`, 422, "ssh_key_ids", apiCreateVM{}},
		{"unknown field", `{"plan_slug":"x","display-name":"web"}`, 422, "display-name", apiCreateVM{}},
		{"array instead of an object", `[]`, 422, "body", apiCreateVM{}},
		{"string instead of an object", `"x"`, 422, "body", apiCreateVM{}},
		{"two objects", `{} {}`, 400, "", apiCreateVM{}},
		{"truncated", `{"plan_slug":`, 400, "", apiCreateVM{}},
		{"not JSON", `plan_slug=starter`, 400, "", apiCreateVM{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got apiCreateVM
			err := decodeJSONBytes([]byte(tt.body), &got)
			if tt.status == 0 {
				if err != nil {
					t.Fatalf("error %v, want none", err)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("decoded %+v, want %+v", got, tt.want)
				}
				return
			}
			e := services.AsError(err)
			if err == nil || e.Status != tt.status {
				t.Fatalf("error %v, want status %d", err, tt.status)
			}
			if tt.field != "" && e.Fields[tt.field] == "" {
				t.Errorf("fields %v, want %q named", e.Fields, tt.field)
			}
		})
	}
}

// A field a body does not take is refused with the fields it does take, so a
// client that guessed a name reads the right one.
func TestAnUnknownFieldIsAnsweredWithTheFieldsTaken(t *testing.T) {
	var body apiUpdateVM
	e := services.AsError(decodeJSONBytes([]byte(`{"backups":true}`), &body))
	if e == nil || e.Status != http.StatusUnprocessableEntity || e.Fields["backups"] != "api.field_unknown" {
		t.Fatalf("error %v, want a 422 naming backups", e)
	}
	if e.Key != "api.fields_accepted" || !reflect.DeepEqual(e.Args, []string{"fields", "display_name, backups_enabled"}) {
		t.Errorf("message %s %v, want the fields PATCH takes", e.Key, e.Args)
	}
}

func TestDecodeJSONRefusesAnOversizedBody(t *testing.T) {
	body := `{"display_name":"` + strings.Repeat("a", maxJSONBody) + `"}`
	req := httptest.NewRequest(http.MethodPost, "/api/v1/vms", strings.NewReader(body))
	c := echo.New().NewContext(req, httptest.NewRecorder())
	var got apiCreateVM
	if e := services.AsError(decodeJSON(c, &got)); e.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", e.Status)
	}
}

func TestParseListQuery(t *testing.T) {
	tests := []struct {
		query string
		want  services.ListInput
		bad   string // the field a 422 names
	}{
		{"", services.ListInput{Limit: 50}, ""},
		{"limit=10&offset=20&status=running&q=+Web+", services.ListInput{Limit: 10, Offset: 20, Status: "running", Q: "Web"}, ""},
		{"limit=abc", services.ListInput{}, "limit"},
		{"limit=1.5", services.ListInput{}, "limit"},
		{"offset=x", services.ListInput{}, "offset"},
		{"q=" + strings.Repeat("a", 201), services.ListInput{}, "q"},
	}
	for _, tt := range tests {
		q, _ := url.ParseQuery(tt.query)
		got, err := parseListQuery(q)
		if tt.bad != "" {
			if e := services.AsError(err); err == nil || e.Fields[tt.bad] == "" {
				t.Errorf("%q: error %v, want a 422 naming %s", tt.query, err, tt.bad)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%q: got %+v, %v; want %+v", tt.query, got, err, tt.want)
		}
	}
}

func TestPageLinks(t *testing.T) {
	q := url.Values{"status": {"running"}}
	got := pageLinks("/api/v1/vms", q, 120, 50, 50)
	want := []string{
		`</api/v1/vms?limit=50&offset=100&status=running>; rel="next"`,
		`</api/v1/vms?limit=50&offset=0&status=running>; rel="prev"`,
		`</api/v1/vms?limit=50&offset=0&status=running>; rel="first"`,
		`</api/v1/vms?limit=50&offset=100&status=running>; rel="last"`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("links\n%q\nwant\n%q", got, want)
	}
	if got := pageLinks("/api/v1/vms", nil, 0, 50, 0); len(got) != 0 {
		t.Errorf("an empty list has links %q", got)
	}
	if got := pageLinks("/api/v1/vms", nil, 10, 50, 0); len(got) != 2 {
		t.Errorf("a single page wants only first and last, got %q", got)
	}
}

func TestLocalURLStaysOnTheSite(t *testing.T) {
	for in, want := range map[string]string{
		"/vms?q=web":            "/vms?q=web",
		"/":                     "/",
		"//evil.example/x":      "/",
		"/\\evil.example":       "/",
		"https://evil.example/": "/",
		"javascript:alert(1)":   "/",
		"vms":                   "/",
		"":                      "/",
		"/%2F%2Fevil.example":   "/",
	} {
		if got := LocalURL(in); got != want {
			t.Errorf("LocalURL(%q) = %q, want %q", in, got, want)
		}
	}
}
