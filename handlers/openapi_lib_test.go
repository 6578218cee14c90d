package handlers

import (
	"context"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// TestOpenAPIDocumentValidatesWithALibrary loads handlers/openapi.json with
// kin-openapi and validates it as an OpenAPI 3.1 document: every $ref
// resolves, every schema is well formed, every operation id is unique, every
// example fits its schema. The hand-written checks beside it hold what a
// library cannot know (the contract's scopes and statuses).
func TestOpenAPIDocumentValidatesWithALibrary(t *testing.T) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openAPIFile)
	if err != nil {
		t.Fatalf("kin-openapi cannot load the document: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Errorf("openapi %q: the document is written for 3.1", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		t.Fatalf("the document does not validate: %v", err)
	}
}
