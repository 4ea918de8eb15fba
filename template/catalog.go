package template

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
)

// A Catalog is an immutable set of valid templates, by name. It is safe for
// concurrent use. The zero Catalog holds no templates.
type Catalog struct {
	byName map[string]*Template
	names  []string // sorted
}

// NewCatalog returns a catalog of copies of ts. Each template must be valid
// and names must be unique; otherwise NewCatalog returns an error naming
// every invalid template (wrapping its *[ValidationError]) and every
// repeated name. The caller keeps ownership of ts: changing them later does
// not change the catalog.
func NewCatalog(ts ...*Template) (*Catalog, error) {
	c := &Catalog{byName: make(map[string]*Template, len(ts))}
	first := make(map[string]int, len(ts))
	var errs []error
	for i, t := range ts {
		if t == nil {
			errs = append(errs, fmt.Errorf("template: catalog: template %d is nil", i))
			continue
		}
		if err := t.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("template: catalog: template %d (%q): %w", i, t.Name, err))
			continue
		}
		if j, dup := first[t.Name]; dup {
			errs = append(errs, fmt.Errorf("template: catalog: template %d: duplicate name %q (also template %d)", i, t.Name, j))
			continue
		}
		first[t.Name] = i
		c.byName[t.Name] = t.clone()
		c.names = append(c.names, t.Name)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	slices.Sort(c.names)
	return c, nil
}

// Lookup returns a copy of the template named name; the caller owns it and
// may change it freely. For a name the catalog does not hold, Lookup
// returns an error wrapping [ErrUnknownTemplate] that names name and lists
// the known templates.
func (c *Catalog) Lookup(name string) (*Template, error) {
	if c != nil {
		if t, ok := c.byName[name]; ok {
			return t.clone(), nil
		}
	}
	known := "none"
	if names := c.Names(); len(names) > 0 {
		known = strings.Join(names, ", ")
	}
	return nil, fmt.Errorf("%w %q (known: %s)", ErrUnknownTemplate, name, known)
}

// Names returns the names of the catalog's templates, sorted. The slice is
// the caller's.
func (c *Catalog) Names() []string {
	if c == nil {
		return []string{}
	}
	return append([]string{}, c.names...)
}

//go:embed builtin/*.json
var builtinFS embed.FS

var builtin = sync.OnceValue(func() *Catalog {
	c, err := loadBuiltin(builtinFS)
	if err != nil {
		panic(err) // a test keeps the built-in templates valid
	}
	return c
})

// Builtin returns the catalog of built-in templates, one per kind of event:
//
//   - "conference" (event type "conference"): phone, chat and SMS help desk
//     for registration, speakers and accessibility; numbers forward to the
//     organiser for 30 days after the event.
//   - "trade-show" ("trade-show", "expo"): exhibitor services with video
//     calls, a long deploy lead for move-in.
//   - "concert" ("concert", "festival"): high-volume, bursty ticketing, lost
//     property and safety lines across phone, chat, SMS and social media.
//   - "sports" ("sports"): match-day ticketing, stadium services and
//     hospitality.
//   - "webinar" ("webinar"): virtual only, chat and video, no telephone
//     numbers and no receptionist.
//   - "hybrid" ("hybrid"): on-site and virtual attendees, every modality
//     but social.
//
// Their JSON forms are in the package's builtin directory. The catalog is
// loaded once, on first use, and shared; Lookup gives each caller its own
// copy.
func Builtin() *Catalog { return builtin() }

func loadBuiltin(fsys fs.FS) (*Catalog, error) {
	files, err := fs.Glob(fsys, "builtin/*.json")
	if err != nil {
		return nil, err
	}
	var ts []*Template
	for _, name := range files {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		t, err := Load(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("template: built-in %s: %w", name, err)
		}
		if want := strings.TrimSuffix(path.Base(name), ".json"); t.Name != want {
			return nil, fmt.Errorf("template: built-in %s: name %q does not match the file name", name, t.Name)
		}
		ts = append(ts, t)
	}
	return NewCatalog(ts...)
}
