package heal_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/selfheal/selfheal/heal"
)

func TestParseCode(t *testing.T) {
	tests := []struct {
		in      string
		wantErr string
	}{
		{in: "DB-CONN-001"},
		{in: "DEPLOY-HEALTH-002"},
		{in: "A1-B2-999"},
		{in: "ABCDEFGHIJKLMNOP-ABCDEFGHIJKLMNOP-123"},
		{in: "DB-conn-001", wantErr: `"DB-conn-001": category "conn" must be upper-case`},
		{in: "db-CONN-001", wantErr: `domain "db" must be upper-case`},
		{in: "D-CONN-001", wantErr: `domain "D" must be 2 to 16 characters`},
		{in: "DB-CONN-01", wantErr: `number "01" must be exactly 3 digits`},
		{in: "DB-CONN-0001", wantErr: `number "0001" must be exactly 3 digits`},
		{in: "DB-CONN-00A", wantErr: `number "00A" must be exactly 3 digits`},
		{in: "1B-CONN-001", wantErr: `domain "1B" must start with a letter`},
		{in: "DB-CO_N-001",
			wantErr: `category "CO_N" may hold only letters A-Z and digits, not '_'`},
		{in: "DB-CONN", wantErr: "want DOMAIN-CATEGORY-NNN, found 2 part(s)"},
		{in: "DB--001", wantErr: "category is empty"},
		{in: "", wantErr: "found 1 part(s)"},
		{in: "ABCDEFGHIJKLMNOPQ-CONN-001",
			wantErr: `domain "ABCDEFGHIJKLMNOPQ" must be 2 to 16 characters`},
		{in: "DB-CONN-001-X", wantErr: "found 4 part(s)"},
		{in: "ABCDEFGHIJKLMNOPQRSTUVWXYZ-ABCDEFGHIJKLMNOPQRSTUVWXYZ-001",
			wantErr: "longer than 37 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			c, err := heal.ParseCode(tt.in)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.Empty(t, c)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, heal.Code(tt.in), c)
		})
	}
}

func TestCodeParts(t *testing.T) {
	c := heal.Code("DEPLOY-HEALTH-002")
	assert.Equal(t, "DEPLOY", c.Domain())
	assert.Equal(t, "HEALTH", c.Category())
	assert.Empty(t, heal.Code("nope").Domain())
	assert.Empty(t, heal.Code("nope").Category())
}

func TestPattern(t *testing.T) {
	tests := []struct {
		pattern     string
		specificity int
		match       []heal.Code
		noMatch     []heal.Code
	}{
		{"DB-CONN-001", 3, []heal.Code{"DB-CONN-001"}, []heal.Code{"DB-CONN-002", "DB-QUERY-001"}},
		{"SVC-DEP-*", 2, []heal.Code{"SVC-DEP-001", "SVC-DEP-999"},
			[]heal.Code{"SVC-DEPX-001", "SVC-AUTH-001", "SVCX-DEP-001"}},
		{"DB-*", 1, []heal.Code{"DB-CONN-001", "DB-QUERY-002"},
			[]heal.Code{"DBX-CONN-001", "MEM-HEAP-001", "bad"}},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			p, err := heal.ParsePattern(tt.pattern)
			require.NoError(t, err)
			assert.Equal(t, tt.pattern, p.String())
			assert.Equal(t, tt.specificity, p.Specificity())
			for _, c := range tt.match {
				assert.True(t, p.Match(c), "%s should match %s", tt.pattern, c)
			}
			for _, c := range tt.noMatch {
				assert.False(t, p.Match(c), "%s should not match %s", tt.pattern, c)
			}
		})
	}
	assert.False(t, heal.Pattern{}.Match("DB-CONN-001"), "the zero pattern matches nothing")
}

func TestParsePatternErrors(t *testing.T) {
	for in, want := range map[string]string{
		"*":             "not a code",
		"DB-*-*":        `category "*"`,
		"db-*":          `domain "db" must be upper-case`,
		"DB-CONN-001-*": "want DOMAIN-CATEGORY-* or DOMAIN-*",
		"DB-conn-*":     `category "conn" must be upper-case`,
		"DB-CONN-00*":   "not a code",
	} {
		t.Run(in, func(t *testing.T) {
			_, err := heal.ParsePattern(in)
			require.Error(t, err)
			assert.Contains(t, err.Error(), want)
		})
	}
}

func FuzzParseCode(f *testing.F) {
	for _, s := range []string{"DB-CONN-001", "DB-conn-001", "", "-", "--", "A-B-C",
		"ABCDEFGHIJKLMNOP-X1-000", "DB-CONN-\x00\x01\x02"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := heal.ParseCode(s)
		if err != nil {
			if c != "" {
				t.Fatalf("ParseCode(%q) returned %q with error %v", s, c, err)
			}
			return
		}
		// A valid code round-trips and its parts rebuild it.
		if string(c) != s {
			t.Fatalf("ParseCode(%q) = %q", s, c)
		}
		if got := c.Domain() + "-" + c.Category() + "-" + s[len(s)-3:]; got != s {
			t.Fatalf("parts of %q rebuild %q", s, got)
		}
		if len(s) > heal.MaxCodeLen {
			t.Fatalf("accepted %q longer than %d", s, heal.MaxCodeLen)
		}
		p, err := heal.ParsePattern(s)
		if err != nil || !p.Match(c) {
			t.Fatalf("exact pattern of %q does not match it: %v", s, err)
		}
	})
}

func FuzzParsePattern(f *testing.F) {
	for _, s := range []string{"DB-*", "SVC-DEP-*", "DB-CONN-001", "*", "-*", "A-*-*"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := heal.ParsePattern(s)
		if err != nil {
			return
		}
		if p.String() != s {
			t.Fatalf("ParsePattern(%q).String() = %q", s, p.String())
		}
	})
}
