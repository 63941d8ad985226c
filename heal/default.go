package heal

import (
	_ "embed"
	"sync"
)

//go:embed taxonomy.yaml
var defaultTaxonomyYAML []byte

// DefaultTaxonomyYAML returns the source of [DefaultTaxonomy], for services
// that want to copy it into their repository and extend it.
func DefaultTaxonomyYAML() []byte {
	return append([]byte(nil), defaultTaxonomyYAML...)
}

var defaultTaxonomy = sync.OnceValue(func() *Taxonomy {
	t, err := ParseTaxonomy("taxonomy.yaml", defaultTaxonomyYAML)
	if err != nil {
		panic("heal: the built-in taxonomy is invalid: " + err.Error())
	}
	return t
})

// DefaultTaxonomy returns the taxonomy selfheal ships: the codes its
// adapters emit (DB-CONN-001, DB-QUERY-001..002, DEPLOY-HEALTH-001..003,
// SVC-DEP-001..002, MEM-HEAP-001, AUTH-TOKEN-001). Services may start from
// it or replace it.
func DefaultTaxonomy() *Taxonomy { return defaultTaxonomy() }
