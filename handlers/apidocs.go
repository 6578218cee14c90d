package handlers

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"

	"github.com/labstack/echo/v4"

	"abrak/services"
	"abrak/views"
	"abrak/views/i18n"
)

// APIDocs renders the API reference from the OpenAPI document in the reader's
// language. It is public: developers read it before they have an account.
func (h *Handlers) APIDocs(c echo.Context) error {
	spec, err := loadAPISpec()
	if err != nil {
		return services.Internal(err)
	}
	base := h.publicURL(c)
	if base == "" {
		base = c.Scheme() + "://" + c.Request().Host
	}
	slugs, err := h.catalogSlugs(c)
	if err != nil {
		return err
	}
	v := apiDocsView(spec, LocaleOf(c), base, slugs)
	return render(c, http.StatusOK, views.APIDocsPage(h.shell(c, "nav.api_docs", "docs"), v))
}

// apiDocsView groups the operations by tag, in the order the document lists its tags.
func apiDocsView(spec apiSpec, l i18n.Locale, base string, slugs exampleSlugs) views.APIDocsView {
	v := views.APIDocsView{BaseURL: base, SpecURL: "/api/v1/openapi.json"}
	for _, t := range spec.Tags {
		g := views.APIGroup{Tag: t.Name, Description: inLocale(l, t.Description, t.DescriptionFA)}
		for _, op := range spec.Ops {
			if len(op.Tags) > 0 && op.Tags[0] == t.Name {
				g.Endpoints = append(g.Endpoints, apiEndpoint(op, l, base, slugs))
			}
		}
		if len(g.Endpoints) > 0 {
			v.Groups = append(v.Groups, g)
		}
	}
	return v
}

func apiEndpoint(op apiOp, l i18n.Locale, base string, slugs exampleSlugs) views.APIEndpoint {
	e := views.APIEndpoint{
		ID:      op.OperationID,
		Method:  op.Method,
		Path:    op.Path,
		Summary: inLocale(l, op.Summary, op.SummaryFA),
		Scope:   op.Scope,
		Public:  op.Public(),
		Curl:    curlExample(op, base, slugs),
	}
	for _, p := range op.Params {
		e.Params = append(e.Params, views.APIParam{Name: p.Name, In: p.In, Required: p.Required,
			Description: inLocale(l, p.Description, p.DescriptionFA)})
	}
	for _, r := range op.Responses {
		e.Responses = append(e.Responses, views.APIResponse{Status: r.Status, Description: inLocale(l, r.Description, r.DescriptionFA)})
	}
	if len(op.Example) > 0 {
		var b bytes.Buffer
		if json.Indent(&b, slugs.apply(op.Example), "", "    ") == nil {
			e.Body = b.String()
		}
	}
	return e
}

// inLocale picks the document's Persian text (x-…-fa) for fa readers.
func inLocale(l i18n.Locale, en, fa string) string {
	if l == i18n.FA && fa != "" {
		return fa
	}
	return en
}

// curlExample is the operation as one cURL command; the token comes from
// $ABRAK_TOKEN so the copied command runs as it is once that is exported.
func curlExample(op apiOp, base string, slugs exampleSlugs) string {
	var b strings.Builder
	b.WriteString("curl -X " + op.Method)
	if !op.Public() {
		b.WriteString(` -H "Authorization: Bearer $ABRAK_TOKEN"`)
	}
	if len(op.Example) > 0 {
		var body bytes.Buffer
		if json.Compact(&body, slugs.apply(op.Example)) == nil {
			b.WriteString(" \\\n  -H \"Content-Type: application/json\"")
			b.WriteString(" \\\n  -d '" + strings.ReplaceAll(body.String(), "'", `'\''`) + "'")
		}
	}
	b.WriteString(" \\\n  " + base + op.Path)
	return b.String()
}

// exampleSlugs are this panel's catalog, put into the examples in place of
// the document's ("starter", "debian-12"), so that an example pasted as it is
// orders something that exists here.
type exampleSlugs struct {
	plan, bigger, template, region string
}

// catalogSlugs picks, from what customers can order, the first plan (and the
// last, for a resize), the first image and the first region.
func (h *Handlers) catalogSlugs(c echo.Context) (exampleSlugs, error) {
	ctx := c.Request().Context()
	var e exampleSlugs
	plans, err := h.VMs.Plans(ctx)
	if err != nil {
		return e, err
	}
	if len(plans) > 0 {
		e.plan, e.bigger = plans[0].Slug, plans[len(plans)-1].Slug
	}
	images, err := h.VMs.OSTemplates(ctx)
	if err != nil {
		return e, err
	}
	if len(images) > 0 {
		e.template = images[0].Slug
	}
	regions, err := h.VMs.Regions(ctx)
	if err != nil {
		return e, err
	}
	if len(regions) > 0 {
		e.region = regions[0].Slug
	}
	return e, nil
}

var (
	examplePlan     = regexp.MustCompile(`"plan_slug":\s*"([^"]*)"`)
	exampleTemplate = regexp.MustCompile(`"os_template_slug":\s*"[^"]*"`)
	exampleRegion   = regexp.MustCompile(`"region":\s*"[^"]*"`)
)

// apply rewrites an example body's slugs; what the catalog lacks stays as written.
func (e exampleSlugs) apply(example []byte) []byte {
	out := examplePlan.ReplaceAllFunc(example, func(m []byte) []byte {
		slug := e.plan
		if e.bigger != "" && string(examplePlan.FindSubmatch(m)[1]) != "starter" {
			slug = e.bigger // the document's resize example grows the VM
		}
		if slug == "" {
			return m
		}
		return []byte(`"plan_slug": "` + slug + `"`)
	})
	if e.template != "" {
		out = exampleTemplate.ReplaceAll(out, []byte(`"os_template_slug": "`+e.template+`"`))
	}
	if e.region != "" {
		out = exampleRegion.ReplaceAll(out, []byte(`"region": "`+e.region+`"`))
	}
	return out
}
