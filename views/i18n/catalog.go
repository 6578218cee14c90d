package i18n

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"sync"
)

//go:embed locales
var localeFiles embed.FS

// catalog is every locale's merged messages, plus what went wrong while
// merging them. Problems do not stop the panel: a bad file only loses its own
// keys, and the catalog tests refuse to pass while any problem exists.
type catalog struct {
	messages map[Locale]map[string]string
	origin   map[Locale]map[string]string // key → file that defined it
	problems []error
}

var loadCatalog = sync.OnceValue(func() *catalog { return readCatalog(localeFiles) })

func readCatalog(fsys fs.FS) *catalog {
	c := &catalog{
		messages: map[Locale]map[string]string{},
		origin:   map[Locale]map[string]string{},
	}
	for _, l := range Supported {
		c.messages[l] = map[string]string{}
		c.origin[l] = map[string]string{}
		files, err := fs.Glob(fsys, path.Join("locales", string(l), "*.json"))
		if err != nil || len(files) == 0 {
			c.problems = append(c.problems, fmt.Errorf("locale %s: no catalog files", l))
			continue
		}
		sort.Strings(files)
		for _, name := range files {
			c.readFile(fsys, l, name)
		}
	}
	return c
}

func (c *catalog) readFile(fsys fs.FS, l Locale, name string) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		c.problems = append(c.problems, fmt.Errorf("%s: %w", name, err))
		return
	}
	entries, err := decodeFlat(data)
	if err != nil {
		c.problems = append(c.problems, fmt.Errorf("%s: %w", name, err))
		return
	}
	for _, e := range entries {
		if first, dup := c.origin[l][e.key]; dup {
			c.problems = append(c.problems, fmt.Errorf("%s: key %q already defined in %s", name, e.key, first))
			continue
		}
		c.messages[l][e.key] = e.value
		c.origin[l][e.key] = name
	}
}

type entry struct{ key, value string }

// decodeFlat reads one JSON object of string values token by token, because
// encoding/json would let a key repeated inside one file silently win.
func decodeFlat(data []byte) ([]entry, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("want a JSON object of key → string")
	}
	var entries []entry
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key := tok.(string)
		var value string
		if err := dec.Decode(&value); err != nil {
			return nil, fmt.Errorf("key %q: value must be a string: %w", key, err)
		}
		if seen[key] {
			return nil, fmt.Errorf("key %q repeated", key)
		}
		seen[key] = true
		entries = append(entries, entry{key, value})
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err == nil {
		return nil, fmt.Errorf("trailing data after the object")
	}
	return entries, nil
}
