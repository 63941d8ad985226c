package heal_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/selfheal/selfheal/heal"
)

func validDef(code string) heal.Definition {
	return heal.Definition{
		Code: heal.Code(code), Title: "Something failed", Owner: "team-a",
		Severity: heal.SeverityHigh, Runbook: "https://runbooks.example.com/x",
		Response: "Do the thing.",
	}
}

func TestNewTaxonomy(t *testing.T) {
	old := validDef("DB-QUERY-002")
	old.Deprecated, old.ReplacedBy = true, "DB-QUERY-003"
	tax, err := heal.NewTaxonomy(validDef("DB-CONN-001"), old, validDef("DB-QUERY-003"))
	require.NoError(t, err)
	assert.Equal(t, 3, tax.Len())

	d, ok := tax.Lookup("DB-CONN-001")
	require.True(t, ok)
	assert.Equal(t, "team-a", d.Owner)

	r, replaced, ok := tax.Resolve("DB-QUERY-002")
	require.True(t, ok)
	assert.True(t, replaced)
	assert.Equal(t, heal.Code("DB-QUERY-003"), r.Code)

	_, _, ok = tax.Resolve("DB-QUERY-999")
	assert.False(t, ok)
	assert.Equal(t, []heal.Code{"DB-QUERY-002", "DB-QUERY-003"},
		tax.Match(heal.MustParsePattern("DB-QUERY-*")))
}

func TestNewTaxonomyReportsEveryProblem(t *testing.T) {
	missing := heal.Definition{Code: "DB-CONN-002"}
	badRunbook := validDef("DB-CONN-003")
	badRunbook.Runbook = "runbooks/db"
	deprecatedNoReplacement := validDef("DB-CONN-004")
	deprecatedNoReplacement.Deprecated = true
	replacementMissing := validDef("DB-CONN-005")
	replacementMissing.Deprecated, replacementMissing.ReplacedBy = true, "DB-CONN-404"
	cycleA := validDef("DB-CYCLE-001")
	cycleA.Deprecated, cycleA.ReplacedBy = true, "DB-CYCLE-002"
	cycleB := validDef("DB-CYCLE-002")
	cycleB.Deprecated, cycleB.ReplacedBy = true, "DB-CYCLE-001"
	chained := validDef("DB-CHAIN-001")
	chained.Deprecated, chained.ReplacedBy = true, "DB-CONN-005"
	notDeprecated := validDef("DB-CONN-006")
	notDeprecated.ReplacedBy = "DB-CONN-001"

	_, err := heal.NewTaxonomy(validDef("DB-CONN-001"), validDef("DB-CONN-001"), missing,
		badRunbook,
		deprecatedNoReplacement, replacementMissing, cycleA, cycleB, chained, notDeprecated,
		validDef("db-conn-007"))
	var te *heal.TaxonomyError
	require.True(t, errors.As(err, &te), "want *TaxonomyError, got %v", err)
	msg := err.Error()
	for _, want := range []string{
		"DB-CONN-001: duplicate definition",
		"DB-CONN-002: title is required",
		"DB-CONN-002: owner is required",
		"DB-CONN-002: runbook is required",
		"DB-CONN-002: response is required",
		"DB-CONN-002: severity is required",
		`DB-CONN-003: runbook "runbooks/db" must be an absolute http or https URL`,
		"DB-CONN-004: deprecated code must name its replacement",
		"DB-CONN-005: replacement DB-CONN-404 is not defined",
		"DB-CYCLE-001: replacement cycle: DB-CYCLE-001 -> DB-CYCLE-002 -> DB-CYCLE-001",
		"DB-CYCLE-002: replacement cycle",
		"DB-CHAIN-001: replacement DB-CONN-005 is itself deprecated",
		"DB-CONN-006: replaced_by is set but the code is not deprecated",
		`db-conn-007: code "db-conn-007": domain "db" must be upper-case`,
	} {
		assert.Contains(t, msg, want)
	}
}

const validYAML = `codes:
  - code: DB-CONN-001
    title: Database connection pool exhausted
    owner: team-data
    severity: critical
    retryable: true
    runbook: https://runbooks.example.com/db-conn-001
    response: Recycle the pool.
  - code: DB-QUERY-002
    title: Query timeout exceeded threshold
    owner: team-data
    severity: medium
    runbook: https://runbooks.example.com/db-query-002
    response: Check slow plans.
    deprecated: true
    replaced_by: DB-QUERY-003
  - code: DB-QUERY-003
    title: Query timeout
    owner: team-data
    severity: medium
    runbook: https://runbooks.example.com/db-query-003
    response: Check slow plans.
`

func TestParseTaxonomyYAMLAndJSON(t *testing.T) {
	tax, err := heal.ParseTaxonomy("t.yaml", []byte(validYAML))
	require.NoError(t, err)
	d, ok := tax.Lookup("DB-CONN-001")
	require.True(t, ok)
	assert.Equal(t, heal.SeverityCritical, d.Severity)
	assert.True(t, d.Retryable)

	json := "{\n\t\"codes\": [\n\t\t{\"code\": \"DB-CONN-001\", " +
		"\"title\": \"t\", \"owner\": \"o\", " +
		"\"severity\": \"low\", \"retryable\": false, \"runbook\": \"https://r.example.com\", " +
		"\"response\": \"r\"}\n\t]\n}\n"
	tax, err = heal.ParseTaxonomy("t.json", []byte(json))
	require.NoError(t, err)
	assert.Equal(t, 1, tax.Len())
}

func TestParseTaxonomyProblemsHaveLines(t *testing.T) {
	doc := `codes:
  - code: DB-CONN-001
    title: Database connection pool exhausted
    owner: team-data
    severty: critical
    runbook: https://runbooks.example.com/db-conn-001
    response: Recycle the pool.
  - code: DB-CONN-001
    title: Again
    owner: team-data
    severity: critical
    retryable: maybe
    runbook: https://runbooks.example.com/db-conn-001
    response: Recycle the pool.
  - code: DB-conn-002
    title: Bad
    owner: team-data
    severity: urgent
    runbook: https://runbooks.example.com/x
    response: r
`
	_, err := heal.ParseTaxonomy("taxonomy.yaml", []byte(doc))
	require.Error(t, err)
	msg := err.Error()
	for _, want := range []string{
		`taxonomy.yaml:5: DB-CONN-001: unknown field "severty"`,
		"taxonomy.yaml:2: DB-CONN-001: severity is required",
		"taxonomy.yaml:8: DB-CONN-001: duplicate definition (first defined at line 2)",
		`taxonomy.yaml:12: DB-CONN-001: field "retryable" must be true or false, not "maybe"`,
		`taxonomy.yaml:15: DB-conn-002: code "DB-conn-002": category "conn" must be upper-case`,
		`taxonomy.yaml:18: DB-conn-002: severity "urgent": want low, medium, high or critical`,
	} {
		assert.Contains(t, msg, want)
	}
}

func TestParseTaxonomyRejectsMalformedDocuments(t *testing.T) {
	tests := map[string]struct{ doc, want string }{
		"empty":          {"", "document is empty"},
		"not a mapping":  {"- a\n- b\n", "top level must be a mapping"},
		"no codes":       {"version: 1\n", `unknown field "version" at top level`},
		"codes not list": {"codes: 3\n", "codes must be a list"},
		"entry not map":  {"codes:\n  - DB-CONN-001\n", "each entry of codes must be a mapping"},
		"bad yaml":       {"codes: [\n", "t.yaml:1: invalid YAML"},
		"bad json":       {"{\"codes\": [}", "t.yaml:1: invalid JSON"},
		"repeated field": {"codes:\n  - code: DB-CONN-001\n    code: DB-CONN-002\n",
			`t.yaml:3: DB-CONN-001: field "code" is repeated (first at line 2)`},
		"alias": {"codes:\n  - &a {code: DB-CONN-001}\n  - code: *a\n",
			"aliases are not allowed"},
		"null string": {"codes:\n  - code: DB-CONN-001\n    title:\n",
			`field "title" must be a string`},
		"mapping as text": {"codes:\n  - code: DB-CONN-001\n    title: {a: b}\n",
			`field "title" must be a string`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := heal.ParseTaxonomy("t.yaml", []byte(tt.doc))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestParseTaxonomyBoundsSize(t *testing.T) {
	big := "codes: []\n#" + strings.Repeat("x", heal.MaxTaxonomySize)
	_, err := heal.ParseTaxonomy("big.yaml", []byte(big))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "larger than the")

	path := filepath.Join(t.TempDir(), "big.yaml")
	require.NoError(t, os.WriteFile(path, []byte(big), 0o600))
	_, err = heal.LoadTaxonomy(path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "big.yaml: larger than the")
}

func TestLoadTaxonomy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "taxonomy.yaml")
	require.NoError(t, os.WriteFile(path, []byte(validYAML), 0o600))
	tax, err := heal.LoadTaxonomy(path)
	require.NoError(t, err)
	assert.Equal(t, 3, tax.Len())

	_, err = heal.LoadTaxonomy(filepath.Join(t.TempDir(), "missing.yaml"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestDefaultTaxonomy(t *testing.T) {
	tax := heal.DefaultTaxonomy()
	for _, c := range []heal.Code{
		"DB-CONN-001", "DB-QUERY-001", "DB-QUERY-002",
		"DEPLOY-HEALTH-001", "DEPLOY-HEALTH-002", "DEPLOY-HEALTH-003",
		"SVC-DEP-001", "SVC-DEP-002", "MEM-HEAP-001", "AUTH-TOKEN-001",
	} {
		_, ok := tax.Lookup(c)
		assert.True(t, ok, "default taxonomy lacks %s", c)
	}
	again, err := heal.ParseTaxonomy("copy.yaml", heal.DefaultTaxonomyYAML())
	require.NoError(t, err)
	assert.Equal(t, tax.Definitions(), again.Definitions())
}

func FuzzParseTaxonomy(f *testing.F) {
	f.Add([]byte(validYAML))
	f.Add(heal.DefaultTaxonomyYAML())
	f.Add([]byte(`{"codes":[{"code":"DB-CONN-001"}]}`))
	f.Add([]byte("codes:\n  - &a {code: DB-CONN-001}\n  - *a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tax, err := heal.ParseTaxonomy("fuzz", data)
		if err != nil {
			var te *heal.TaxonomyError
			if !errors.As(err, &te) || len(te.Problems) == 0 {
				t.Fatalf("error is not a TaxonomyError with problems: %v", err)
			}
			return
		}
		// Whatever was accepted is valid on its own terms.
		if _, err := heal.NewTaxonomy(tax.Definitions()...); err != nil {
			t.Fatalf("accepted taxonomy fails validation: %v", err)
		}
	})
}
