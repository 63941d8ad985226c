package supervisor_test

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/selfheal/selfheal/supervisor"
)

func TestGuardrailStateSurvivesARestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	clock := newClock()
	cfg := supervisor.Config{
		Clock: clock, AuditPath: path, Logger: slog.New(slog.DiscardHandler),
		Intensity: supervisor.Limit{N: 2, Per: time.Hour}, Cooldown: time.Minute,
	}
	a := &counter{name: "act"}
	mutedUntil := clock.Now().Add(time.Hour)

	first, err := supervisor.New(cfg)
	require.NoError(t, err)
	do := func(s *supervisor.Supervisor, target string) supervisor.Record {
		rec, err := s.Do(t.Context(), trig(a, target))
		require.NoError(t, err)
		return rec
	}
	require.Equal(t, supervisor.OutcomeOK, do(first, "flaky").Outcome)
	clock.Advance(time.Minute)
	require.Equal(t, supervisor.OutcomeOK, do(first, "flaky").Outcome)
	clock.Advance(time.Minute)
	require.Equal(t, supervisor.GuardGivenUp, do(first, "flaky").Guardrail)
	require.Equal(t, supervisor.OutcomeOK, do(first, "cooling").Outcome)
	require.NoError(t, first.Close())
	assert.FileExists(t, path+".state.json")

	second, err := supervisor.New(cfg)
	require.NoError(t, err)
	defer second.Close()
	snap := second.Snapshot()
	require.Len(t, snap.GivenUp, 1)
	assert.Equal(t, "flaky", snap.GivenUp[0].Target)
	require.Len(t, snap.Cooldowns, 1)
	assert.Equal(t, clock.Now().Add(time.Minute), snap.Cooldowns[0].Until)
	require.Equal(t, supervisor.GuardGivenUp, do(second, "flaky").Guardrail)
	require.Equal(t, supervisor.GuardCooldown, do(second, "cooling").Guardrail)
	clock.Advance(time.Minute)
	require.Equal(t, supervisor.OutcomeOK, do(second, "cooling").Outcome,
		"the restored cooldown ends at its own instant")
	require.NoError(t, second.Mute(mutedUntil, "restart test", "human:alice"))
	_ = second.Close()

	third, err := supervisor.New(cfg)
	require.NoError(t, err)
	defer third.Close()
	snap = third.Snapshot()
	require.NotNil(t, snap.Mute)
	assert.Equal(t, "restart test", snap.Mute.Reason)
	assert.Equal(t, supervisor.GuardMuted, do(third, "fresh").Guardrail)
}

func TestLocalStoreCooldownAndAttempts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s, err := supervisor.OpenLocalStore(path)
	require.NoError(t, err)
	key := supervisor.CooldownKey("act", "x")
	steps := []struct {
		at   time.Duration
		ok   bool
		note string
	}{
		{0, true, "free"},
		{time.Minute - time.Nanosecond, false, "still claimed"},
		{time.Minute, true, "ends at its instant"},
	}
	for _, st := range steps {
		now := epoch.Add(st.at)
		ok, err := s.ClaimCooldown(key, now, now.Add(time.Minute))
		require.NoError(t, err)
		assert.Equal(t, st.ok, ok, st.note)
	}

	for i := range 3 {
		n, err := s.AddAttempt("x", epoch.Add(time.Duration(i)*time.Minute), 2*time.Minute)
		require.NoError(t, err)
		assert.Equal(t, min(i+1, 2), n, "attempt %d", i)
	}

	again, err := supervisor.OpenLocalStore(path)
	require.NoError(t, err)
	n, err := again.Attempts("x", epoch.Add(2*time.Minute), 2*time.Minute)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	action, target := supervisor.SplitCooldownKey(key)
	assert.Equal(t, []string{"act", "x"}, []string{action, target})
	entries, err := os.ReadDir(filepath.Dir(path))
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary files left behind")
}

// Attempts of a target that has been quiet for a whole window are dropped
// from the state file, so that it does not grow with every target ever
// acted on.
func TestLocalStoreForgetsQuietTargets(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s, err := supervisor.OpenLocalStore(path)
	require.NoError(t, err)
	_, err = s.AddAttempt("old", epoch, time.Minute)
	require.NoError(t, err)
	_, err = s.AddAttempt("new", epoch.Add(time.Minute), time.Minute)
	require.NoError(t, err)

	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.NotContains(t, string(data), `"old"`)
	assert.Contains(t, string(data), `"new"`)
}

func TestCorruptStateFileIsAnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	require.NoError(t, os.WriteFile(path, []byte("{not json"), 0o600))
	_, err := supervisor.New(supervisor.Config{StatePath: path})
	require.ErrorContains(t, err, "supervisor: state file")
}
