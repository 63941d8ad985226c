package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/selfheal/selfheal/supervisor"
)

// healctl runs the command in-process and returns its exit status, standard
// output and standard error.
func healctl(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	now := func() time.Time { return time.Unix(1614265330, 0) }
	code := run(args, strings.NewReader(stdin), &out, &errOut, now)
	return code, out.String(), errOut.String()
}

const baseTaxonomy = `codes:
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
  - code: DB-QUERY-003
    title: Query timeout
    owner: team-data
    severity: medium
    runbook: https://runbooks.example.com/db-query-003
    response: Check slow plans.
`

func TestLockAndLint(t *testing.T) {
	tests := []struct {
		name     string
		edit     func(string) string
		wantExit int
		wantErr  []string
	}{
		{"unchanged", func(s string) string { return s }, 0, nil},
		{"added code", func(s string) string {
			first := strings.SplitN(s, "  - code: DB-QUERY-002", 2)[0][len("codes:\n"):]
			return s + strings.ReplaceAll(first, "DB-CONN-001", "DB-CONN-002")
		}, 0, nil},
		{"changed owner and runbook", func(s string) string {
			s = strings.Replace(s, "owner: team-data", "owner: team-storage", 1)
			return strings.Replace(s,
				"https://runbooks.example.com/db-conn-001", "https://wiki.example.com/pool", 1)
		}, 0, nil},
		{"properly deprecated", func(s string) string {
			return strings.Replace(s, "    response: Check slow plans.\n",
				"    response: Check slow plans.\n"+
					"    deprecated: true\n"+
					"    replaced_by: DB-QUERY-003\n", 1)
		}, 0, nil},
		{"changed severity", func(s string) string {
			return strings.Replace(s, "severity: critical", "severity: high", 1)
		}, 1, []string{"DB-CONN-001: changed meaning: severity critical -> high"}},
		{"changed title", func(s string) string {
			return strings.Replace(s, "title: Query timeout\n", "title: Query too slow\n", 1)
		}, 1, []string{`DB-QUERY-003: changed meaning: title "Query timeout" -> "Query too slow"`}},
		{"removed code", func(s string) string {
			return strings.SplitN(s, "  - code: DB-QUERY-003", 2)[0]
		}, 1, []string{"DB-QUERY-003: removed without being deprecated first"}},
		{"invalid file", func(s string) string {
			return strings.Replace(s, "severity: medium", "severity: meh", 1)
		}, 1, []string{`taxonomy.yaml:12: DB-QUERY-002: severity "meh"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tax := filepath.Join(dir, "taxonomy.yaml")
			lock := filepath.Join(dir, "taxonomy.lock")
			require.NoError(t, os.WriteFile(tax, []byte(baseTaxonomy), 0o600))
			code, out, errOut := healctl(t, "", "lock", "--taxonomy", tax, "--lock", lock)
			require.Equal(t, 0, code, errOut)
			assert.Contains(t, out, "locked 3 code(s)")

			require.NoError(t, os.WriteFile(tax, []byte(tt.edit(baseTaxonomy)), 0o600))
			code, _, errOut = healctl(t, "", "lint", "--taxonomy", tax, "--lock", lock)
			assert.Equal(t, tt.wantExit, code, errOut)
			for _, want := range tt.wantErr {
				assert.Contains(t, errOut, want)
			}
		})
	}
}

func TestLockRefusesToBlessABreakingChange(t *testing.T) {
	dir := t.TempDir()
	tax := filepath.Join(dir, "taxonomy.yaml")
	lock := filepath.Join(dir, "taxonomy.lock")
	require.NoError(t, os.WriteFile(tax, []byte(baseTaxonomy), 0o600))
	code, _, _ := healctl(t, "", "lock", "--taxonomy", tax, "--lock", lock)
	require.Equal(t, 0, code)

	edited := strings.Replace(baseTaxonomy, "severity: critical", "severity: low", 1)
	require.NoError(t, os.WriteFile(tax, []byte(edited), 0o600))
	code, _, errOut := healctl(t, "", "lock", "--taxonomy", tax, "--lock", lock)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "DB-CONN-001: changed meaning")

	code, _, errOut = healctl(t, "", "lock", "--taxonomy", tax, "--lock", lock, "--force")
	assert.Equal(t, 0, code, errOut)
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{}, {"frobnicate"}, {"lint"}, {"lint", "--taxonomy", "x"}, {"lock", "--nope"},
		{"audit"}, {"audit", "verify"}, {"sign"},
		{"sign", "--secret", "whsec_AAAA", "--timestamp", "soon"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, _, errOut := healctl(t, "", args...)
			assert.Equal(t, 2, code)
			assert.Contains(t, errOut, "usage:")
		})
	}
}

func TestSignPrintsStandardWebhooksHeaders(t *testing.T) {
	// The example published with the Standard Webhooks specification.
	code, out, errOut := healctl(t, `{"test": 2432232314}`, "sign",
		"--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		"--id", "msg_p5jXN8AQM9LWM0D4loKWxJek", "--timestamp", "1614265330")
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, "webhook-id: msg_p5jXN8AQM9LWM0D4loKWxJek\n"+
		"webhook-timestamp: 1614265330\n"+
		"webhook-signature: v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=\n", out)

	code, out, _ = healctl(t, "{}", "sign", "--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	require.Equal(t, 0, code)
	assert.Regexp(t, `^webhook-id: msg_\S+\n`+
		`webhook-timestamp: 1614265330\n`+
		`webhook-signature: v1,\S+\n$`, out)

	code, _, errOut = healctl(t, "{}", "sign", "--secret", "not-a-secret")
	assert.Equal(t, 1, code)
	assert.NotContains(t, errOut, "not-a-secret", "a secret is never echoed")
}

func TestAuditVerify(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	sink, err := supervisor.OpenFileSink(path)
	require.NoError(t, err)
	for i := range 3 {
		require.NoError(t, sink.Write(supervisor.Record{
			Time: time.Unix(int64(1000+i), 0).UTC(), Outcome: supervisor.OutcomeOK,
			Code: "DB-CONN-001", Target: "orders-db", Action: "pool.recycle",
		}))
	}
	require.NoError(t, sink.Close())

	code, out, errOut := healctl(t, "", "audit", "verify", path)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "3 record(s), chain intact")

	data, err := os.ReadFile(path)
	require.NoError(t, err)
	tampered := strings.Replace(string(data), "orders-db", "orders-xx", 1)
	require.NoError(t, os.WriteFile(path, []byte(tampered), 0o600))
	code, _, errOut = healctl(t, "", "audit", "verify", path)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "line 1")
}
