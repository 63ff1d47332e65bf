package schemas

import (
	"fmt"
	"net/url"
	"sort"

	"github.com/xeipuuv/gojsonreference"
	"github.com/xeipuuv/gojsonschema"

	"github.com/orybench/orybench/schemas/schemagen"
)

// baseURL is the made-up location of the embedded files: relative $refs
// such as "session.json" resolve against it. The .invalid top-level domain
// never resolves, and the loader below refuses anything outside the set.
const baseURL = "https://schemas.orybench.invalid/contracts/"

// compile compiles every component of the set once. Compilation mutates
// gojsonschema's pool, so it runs under s.once; validation afterwards only
// reads the compiled schemas.
func (s *Set) compile() error {
	s.once.Do(func() {
		sl := gojsonschema.NewSchemaLoader()
		sl.Draft = gojsonschema.Draft7
		sl.AutoDetect = false
		names := make([]string, 0, len(s.files))
		for name := range s.files {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			if err := sl.AddSchema(s.url(name), gojsonschema.NewBytesLoader(s.files[name])); err != nil {
				s.err = fmt.Errorf("schema set %s: add %s: %w", s.contract.Name, name, err)
				return
			}
		}
		s.compiled = make(map[string]*gojsonschema.Schema, len(names))
		for _, name := range names {
			sch, err := sl.Compile(embeddedLoader{url: s.url(name)})
			if err != nil {
				s.err = fmt.Errorf("schema set %s: compile %s: %w", s.contract.Name, name, err)
				return
			}
			s.compiled[name] = sch
		}
	})
	return s.err
}

func (s *Set) url(component string) string {
	return baseURL + url.PathEscape(s.contract.Name) + "/" + schemagen.FileName(component)
}

// embeddedLoader is a gojsonschema.JSONLoader for a document that is already
// in the loader's pool. Its factory refuses every other reference, so a
// dangling $ref is an error instead of a disk or network read.
type embeddedLoader struct{ url string }

func (l embeddedLoader) JsonSource() interface{} { return l.url }

func (l embeddedLoader) LoadJSON() (interface{}, error) {
	return nil, fmt.Errorf("schema %s is not embedded", l.url)
}

func (l embeddedLoader) JsonReference() (gojsonreference.JsonReference, error) {
	return gojsonreference.NewJsonReference(l.url)
}

func (l embeddedLoader) LoaderFactory() gojsonschema.JSONLoaderFactory { return embeddedFactory{} }

type embeddedFactory struct{}

func (embeddedFactory) New(source string) gojsonschema.JSONLoader { return embeddedLoader{url: source} }
