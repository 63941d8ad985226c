package supervisor_test

import (
	"context"
	"encoding/json"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/selfheal/selfheal/supervisor"
)

func TestCloseConcludesEveryTrigger(t *testing.T) {
	f, g, _ := watchFixture(t, supervisor.Config{Workers: 1})
	started := make(chan struct{})
	patient := supervisor.ActionFunc("patient", func(
		ctx context.Context, _ supervisor.Trigger,
	) error {
		close(started)
		<-ctx.Done()
		return ctx.Err()
	})
	require.NoError(t, f.sup.Submit(trig(patient, "running")))
	<-started

	g.hold()
	a := &counter{name: "act"}
	require.NoError(t, f.sup.Submit(trig(a, "held")))
	<-g.entered
	require.NoError(t, f.sup.Submit(trig(a, "queued")))

	closed := make(chan error)
	go func() { closed <- f.sup.Close() }()
	for !errors.Is(f.sup.Submit(trig(a, "late")), supervisor.ErrClosed) {
		runtime.Gosched() // until Close has told the loop; no time passes
	}
	g.release()
	require.NoError(t, <-closed)

	byTarget := map[string]supervisor.Record{}
	for _, r := range f.sink.records {
		if r.Outcome != supervisor.OutcomeStarted {
			byTarget[r.Target] = r
		}
	}
	assert.Equal(t, supervisor.OutcomeFailed, byTarget["running"].Outcome)
	assert.Equal(t, supervisor.OutcomeFailed, byTarget["held"].Outcome)
	assert.Contains(t, byTarget["held"].Error, "closed before the action could run")
	assert.Equal(t, supervisor.OutcomeRejected, byTarget["queued"].Outcome)
	assert.Equal(t, supervisor.GuardClosed, byTarget["queued"].Guardrail)
	assert.Zero(t, a.runs.Load())

	_, err := f.sup.Do(t.Context(), trig(a, "after"))
	require.ErrorIs(t, err, supervisor.ErrClosed)
	require.ErrorIs(t, f.sup.Mute(time.Now().Add(time.Hour), "x", "y"), supervisor.ErrClosed)
	assert.Nil(t, f.sup.Snapshot().Mute, "a refused mute must not reach the store")
	written := len(f.sink.outcomes())
	require.ErrorIs(t, f.sup.Reject(trig(a, "late"), "bad signature"), supervisor.ErrClosed)
	require.ErrorIs(t, f.sup.Note(trig(a, "late"), "drill"), supervisor.ErrClosed)
	require.ErrorIs(t, f.sup.Unmute("human:alice"), supervisor.ErrClosed)
	assert.Len(t, f.sink.outcomes(), written, "nothing is written after Close")
	assert.False(t, f.sup.Health().Healthy)
	require.NoError(t, f.sup.Close(), "Close is idempotent")
}

func TestDoGivesUpWaitingWhenItsContextEnds(t *testing.T) {
	f, g, _ := watchFixture(t, supervisor.Config{})
	g.hold()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := f.sup.Do(ctx, trig(&counter{name: "act"}, "x"))
	require.ErrorIs(t, err, context.Canceled)
	g.release()
	f.sink.waitFor(t, supervisor.OutcomeOK) // the outcome is still recorded
}

func TestSnapshot(t *testing.T) {
	f := newFixture(t, supervisor.Config{
		Budget: supervisor.Limit{N: 5, Per: time.Hour}, Intensity: supervisor.Limit{N: -1},
	})
	a := &counter{name: "act"}
	f.do(t, trig(a, "b"))
	f.clock.Advance(time.Minute)
	f.do(t, trig(a, "a"))
	require.NoError(t, f.sup.Mute(f.clock.Now().Add(time.Hour), "freeze", "human:alice"))

	snap := f.sup.Snapshot()
	assert.True(t, snap.Health.Healthy)
	require.Len(t, snap.Cooldowns, 2)
	assert.Equal(t, supervisor.CooldownState{Action: "act", Target: "b",
		Until: epoch.Add(10 * time.Minute)}, snap.Cooldowns[0])
	assert.Equal(t, "a", snap.Cooldowns[1].Target)
	assert.Equal(t, 5, snap.Budget.Limit)
	assert.InDelta(t, 3+1.0/12, snap.Budget.Tokens, 0.001) // a token every 12 minutes
	require.NotNil(t, snap.Mute)
	assert.Equal(t, "human:alice", snap.Mute.By)
	assert.Len(t, snap.Recent, 5)
	_, err := json.Marshal(snap)
	require.NoError(t, err)
}
