package supervisor_test

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/selfheal/selfheal/supervisor"
)

// writeTrail writes n chained records to a new file and returns its path.
func writeTrail(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	s, err := supervisor.OpenFileSink(path)
	require.NoError(t, err)
	for i := range n {
		require.NoError(t, s.Write(supervisor.Record{
			Time: epoch.Add(time.Duration(i) * time.Second), ID: "t" + string(rune('a'+i)),
			Outcome: supervisor.OutcomeOK, Code: "SVC-DEP-001", Target: "payments",
		}))
	}
	require.NoError(t, s.Close())
	return path
}

// editLines rewrites the file at path through edit.
func editLines(t *testing.T, path string, edit func(lines []string) []string) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := strings.SplitAfter(string(b), "\n")
	require.NoError(t, os.WriteFile(path, []byte(strings.Join(edit(lines), "")), 0o600))
}

func TestVerifyAuditFileFindsTheFirstBadLine(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(lines []string) []string
		n       int
		line    int
		reason  string
		openErr bool // OpenFileSink refuses it rather than recovering
	}{
		{name: "intact", edit: func(l []string) []string { return l }, n: 5},
		{name: "modified", n: 2, line: 3, reason: "hash mismatch", openErr: true,
			edit: func(l []string) []string {
				l[2] = strings.Replace(l[2], "payments", "paymentz", 1)
				return l
			}},
		{name: "deleted", n: 2, line: 3, reason: "seq 4, want 3", openErr: true,
			edit: func(l []string) []string { return append(l[:2:2], l[3:]...) }},
		{name: "first deleted", n: 0, line: 1, reason: "seq 2, want 1", openErr: true,
			edit: func(l []string) []string { return l[1:] }},
		{name: "swapped", n: 1, line: 2, reason: "seq 3, want 2", openErr: true,
			edit: func(l []string) []string {
				l[1], l[2] = l[2], l[1]
				return l
			}},
		{name: "torn", n: 4, line: 5, reason: "torn write",
			edit: func(l []string) []string {
				l[4] = l[4][:len(l[4])/2]
				return l
			}},
		{name: "not chained", n: 1, line: 2, reason: "no leading hash", openErr: true,
			edit: func(l []string) []string {
				l[1] = "{\"time\":\"2026-01-02T15:04:05Z\"}\n"
				return l
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTrail(t, 5)
			editLines(t, path, tt.edit)

			n, err := supervisor.VerifyAuditFile(path)
			assert.Equal(t, tt.n, n)
			_, openErr := supervisor.OpenFileSink(path)
			assert.Equal(t, tt.openErr, openErr != nil)
			if tt.line == 0 {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, supervisor.ErrAuditCorrupt)
			var ae *supervisor.AuditError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tt.line, ae.Line)
			assert.Contains(t, err.Error(), path)
			assert.Contains(t, err.Error(), tt.reason)
		})
	}
}

func TestTornTailIsCutAndTheChainContinues(t *testing.T) {
	path := writeTrail(t, 3)
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString(`{"hash":"0123`)
	require.NoError(t, err)
	require.NoError(t, f.Close())

	var logs bytes.Buffer
	clock := newClock()
	sup, err := supervisor.New(supervisor.Config{
		Clock: clock, AuditPath: path,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	require.NoError(t, err)
	assert.Contains(t, logs.String(), "level=WARN")
	assert.Contains(t, logs.String(), "line 4: torn write")
	assert.Contains(t, sup.Snapshot().AuditTornTail, "line 4: torn write")

	rec, err := sup.Do(t.Context(), trig(&counter{name: "act"}, "x"))
	require.NoError(t, err)
	require.Equal(t, supervisor.OutcomeOK, rec.Outcome)
	require.NoError(t, sup.Close())

	n, err := supervisor.VerifyAuditFile(path)
	require.NoError(t, err)
	assert.Equal(t, 5, n, "3 kept, started and ok appended")
}

func TestFileSinkRecovered(t *testing.T) {
	path := writeTrail(t, 2)
	s, err := supervisor.OpenFileSink(path)
	require.NoError(t, err)
	assert.NoError(t, s.Recovered())
	require.NoError(t, s.Close())

	editLines(t, path, func(l []string) []string { return append(l, "{\"ha") })
	s, err = supervisor.OpenFileSink(path)
	require.NoError(t, err)
	defer s.Close()
	var ae *supervisor.AuditError
	require.ErrorAs(t, s.Recovered(), &ae)
	assert.Equal(t, 3, ae.Line)
}

func TestRecentKeepsTheLastRecords(t *testing.T) {
	f := newFixture(t, supervisor.Config{RecentRecords: 3})
	a := &counter{name: "act"}
	for _, target := range []string{"a", "b"} {
		f.do(t, trig(a, target))
	}
	recent := f.sup.Recent()
	require.Len(t, recent, 3)
	assert.Equal(t, []supervisor.Outcome{supervisor.OutcomeOK, supervisor.OutcomeStarted,
		supervisor.OutcomeOK}, []supervisor.Outcome{recent[0].Outcome, recent[1].Outcome,
		recent[2].Outcome})
	assert.Equal(t, "b", recent[2].Target)
}
