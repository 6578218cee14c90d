// Package static holds the built front end (static/dist, made by `make frontend`)
// embedded into the binary, and the versioned URLs pages use to reference it.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"sync"
)

// all: keeps the committed dist/README, so the package compiles before a build.
//
//go:embed all:dist
var dist embed.FS

// FS returns the built assets rooted at dist: "app.css", "app.js", "console.js", "fonts/…".
func FS() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // "dist" is a valid literal path; Sub cannot fail on it
	}
	return sub
}

// Path returns the URL of the named asset with a content hash for cache busting,
// e.g. Path("app.css") = "/static/app.css?v=3f2a9c1b". An unknown name gets no hash,
// so the mistake shows up as a 404 in the browser rather than a panic in a page.
func Path(name string) string {
	if v, ok := versions()[name]; ok {
		return "/static/" + name + "?v=" + v
	}
	return "/static/" + name
}

// versions hashes every embedded file once, on first use.
var versions = sync.OnceValue(func() map[string]string {
	hashes := map[string]string{}
	assets := FS()
	err := fs.WalkDir(assets, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(assets, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		hashes[name] = hex.EncodeToString(sum[:4])
		return nil
	})
	if err != nil {
		panic(err) // an embedded FS cannot fail to read
	}
	return hashes
})
