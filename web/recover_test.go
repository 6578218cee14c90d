package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"abrak/testkit"
	"abrak/views/i18n"
)

// A handler that panics outside the session's middleware is still answered:
// 500 with the error page in the visitor's language and the request id to
// quote, or the API's JSON error; the connection is not dropped.
func TestAPanicWithoutASessionIsAnswered500(t *testing.T) {
	t.Parallel()
	a := testkit.NewApp(t)
	boom := func(echo.Context) error { panic("boom") }
	a.Server.Echo.GET("/boom", boom)
	a.Server.Echo.GET("/api/v1/boom", boom)

	for _, l := range []i18n.Locale{i18n.EN, i18n.FA} {
		c := a.Client(t)
		c.Header.Set("Accept-Language", string(l))
		r := c.Get("/boom")
		id := r.Header.Get("X-Request-Id")
		if lang, _ := testkit.HTMLLangDir(r.Body); r.Status != http.StatusInternalServerError || lang != string(l) ||
			!testkit.Contains(r.Body, i18n.T(l, "error.internal")) || id == "" || !strings.Contains(r.Body, id) {
			t.Errorf("a panic in %s: %d, lang %q, request id %q; want 500, the page in that language with the id\n%s", l, r.Status, lang, id, testkit.Trim(r.Body))
		}
	}
	r := a.APICall(t, http.MethodGet, "/api/v1/boom", "", "", "Accept-Language", "en")
	if e := testkit.APIErrorOf(t, r); r.Status != http.StatusInternalServerError || e.Error.Code != "internal" ||
		e.Error.Message != i18n.T(i18n.EN, "error.internal") || e.RequestID == "" {
		t.Errorf("a panic on the API: %d %+v", r.Status, e)
	}
}
