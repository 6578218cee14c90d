// Command bareserve is the ceiling `make bench` measures Abrak against: an echo
// server with no middleware that answers each path with bytes captured from
// Abrak beforehand, so the difference between the two is what Abrak does per
// request, not what sending those bytes costs on this machine.
//
//	bareserve -addr 127.0.0.1:18090 /api/v1/vms=/tmp/vms.json:application/json /vms=/tmp/vms.html:text/html
package main

import (
	"flag"
	"log"
	"net/http"
	"os"
	"strings"

	"github.com/labstack/echo/v4"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18090", "listen address (loopback)")
	flag.Parse()
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	for _, arg := range flag.Args() {
		// PATH=FILE:CONTENT-TYPE
		path, rest, ok := strings.Cut(arg, "=")
		file, ctype, ok2 := strings.Cut(rest, ":")
		if !ok || !ok2 {
			log.Fatalf("bareserve: %q is not PATH=FILE:CONTENT-TYPE", arg)
		}
		body, err := os.ReadFile(file)
		if err != nil {
			log.Fatal(err)
		}
		e.GET(path, func(c echo.Context) error { return c.Blob(http.StatusOK, ctype, body) })
	}
	log.Fatal(e.Start(*addr))
}
