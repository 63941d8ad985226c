package heal_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/selfheal/selfheal/heal"
)

func TestLockCheck(t *testing.T) {
	base := []heal.Definition{
		validDef("DB-CONN-001"), validDef("DB-QUERY-002"), validDef("DB-QUERY-003"),
	}
	lock := heal.NewLock(heal.MustNewTaxonomy(base...))

	edit := func(f func(defs []heal.Definition) []heal.Definition) *heal.Taxonomy {
		defs := f(append([]heal.Definition(nil), base...))
		return heal.MustNewTaxonomy(defs...)
	}
	tests := []struct {
		name  string
		tax   *heal.Taxonomy
		wants []string // one problem per entry; none means the change is allowed
	}{
		{"unchanged", edit(func(d []heal.Definition) []heal.Definition { return d }), nil},
		{"added code", edit(func(d []heal.Definition) []heal.Definition {
			return append(d, validDef("DB-CONN-002"))
		}), nil},
		{"owner and runbook changed", edit(func(d []heal.Definition) []heal.Definition {
			d[0].Owner, d[0].Runbook = "team-b", "https://new.example.com"
			d[0].Response = "New response."
			return d
		}), nil},
		{"deprecated properly", edit(func(d []heal.Definition) []heal.Definition {
			d[1].Deprecated, d[1].ReplacedBy = true, "DB-QUERY-003"
			return d
		}), nil},
		{"severity changed", edit(func(d []heal.Definition) []heal.Definition {
			d[0].Severity = heal.SeverityLow
			return d
		}), []string{"DB-CONN-001: changed meaning: severity high -> low"}},
		{"title changed", edit(func(d []heal.Definition) []heal.Definition {
			d[0].Title = "Pool gone"
			return d
		}), []string{`DB-CONN-001: changed meaning: title "Something failed" -> "Pool gone"`}},
		{"retryable changed", edit(func(d []heal.Definition) []heal.Definition {
			d[2].Retryable = true
			return d
		}), []string{"DB-QUERY-003: changed meaning: retryable false -> true"}},
		{"removed", edit(func(d []heal.Definition) []heal.Definition { return d[1:] }),
			[]string{"DB-CONN-001: removed without being deprecated first"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			probs := lock.Check(tt.tax)
			require.Len(t, probs, len(tt.wants), "%v", probs)
			for i, want := range tt.wants {
				assert.Contains(t, probs[i].String(), want)
			}
		})
	}
}

func TestLockRemovalAfterDeprecation(t *testing.T) {
	old := validDef("DB-QUERY-002")
	old.Deprecated, old.ReplacedBy = true, "DB-QUERY-003"
	lock := heal.NewLock(heal.MustNewTaxonomy(old, validDef("DB-QUERY-003")))
	assert.Empty(t, lock.Check(heal.MustNewTaxonomy(validDef("DB-QUERY-003"))),
		"a code deprecated in the lock may be removed")
}

func TestLockFileRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "taxonomy.lock")
	lock := heal.NewLock(heal.DefaultTaxonomy())
	require.NoError(t, lock.WriteFile(path))
	got, err := heal.ReadLock(path)
	require.NoError(t, err)
	assert.Equal(t, lock, got)
	assert.Empty(t, got.Check(heal.DefaultTaxonomy()))

	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(data), `"severity": "critical"`)

	for name, body := range map[string]string{
		"unknown field": `{"version":1,"codes":{},"extra":1}`,
		"bad version":   `{"version":2,"codes":{}}`,
		"not json":      `codes: []`,
	} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, name+".lock")
			require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
			_, err := heal.ReadLock(p)
			require.Error(t, err)
			assert.Contains(t, err.Error(), p)
		})
	}
}
