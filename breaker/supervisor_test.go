package breaker_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/selfheal/selfheal/breaker"
	"github.com/selfheal/selfheal/heal"
	"github.com/selfheal/selfheal/healtest"
	"github.com/selfheal/selfheal/supervisor"
	"github.com/sony/gobreaker/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSupervisorTripsAndResets runs the Trip action the way a policy
// does, through the supervisor's guardrails and audit, without a Healer:
// a service that decides for itself when to act uses it this way.
func TestSupervisorTripsAndResets(t *testing.T) {
	ctx := context.Background()
	clock := healtest.NewClock(time.Time{})
	quiet := slog.New(slog.DiscardHandler)
	payments := breaker.New("payments", breaker.Config{Clock: clock, Logger: quiet})
	var set breaker.Set
	require.NoError(t, set.Add(payments))

	sup, err := supervisor.New(supervisor.Config{Clock: clock, Logger: quiet})
	require.NoError(t, err)
	defer func() { assert.NoError(t, sup.Close()) }()

	trig := heal.Trigger{
		Code: "SVC-DEP-001", Target: "payments", Action: breaker.Trip(&set, 30*time.Second),
		Source: supervisor.SourceDetection, Actor: "system", Reason: "SVC-DEP-001 >= 20 in 1m",
	}
	rec, err := sup.Do(ctx, trig)
	require.NoError(t, err)
	require.Equal(t, supervisor.OutcomeOK, rec.Outcome)
	err = payments.Execute(func() error { return nil })
	require.ErrorIs(t, err, gobreaker.ErrOpenState, "the supervisor's trip opened the breaker")

	rec, err = sup.Undo(ctx, trig)
	require.NoError(t, err)
	require.Equal(t, supervisor.OutcomeOK, rec.Outcome)
	assert.Equal(t, gobreaker.StateClosed, payments.State())

	trig.Target = "ledger"
	rec, err = sup.Do(ctx, trig)
	require.NoError(t, err)
	assert.Equal(t, supervisor.OutcomeFailed, rec.Outcome, "an unknown target fails")
}

// TestTripKeepsALongerHold runs Trip over holds an operator placed: a hold
// that outlasts the trip is kept, and the audit record names it.
func TestTripKeepsALongerHold(t *testing.T) {
	alice := breaker.Attribution{Actor: "human:alice", Reason: "payments returns garbage"}
	tests := []struct {
		name string
		hold time.Duration // alice's; 0 lasts until reset
		kept string        // the record's "kept" attribute; empty when Trip placed its own
	}{
		{name: "until reset", hold: 0, kept: "hold by human:alice until reset: " + alice.Reason},
		{
			name: "longer", hold: time.Hour,
			kept: "hold by human:alice until 2000-01-01T01:00:00Z: " + alice.Reason,
		},
		{name: "shorter", hold: 10 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			clock := healtest.NewClock(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
			quiet := slog.New(slog.DiscardHandler)
			payments := breaker.New("payments", breaker.Config{Clock: clock, Logger: quiet})
			var set breaker.Set
			require.NoError(t, set.Add(payments))
			sup, err := supervisor.New(supervisor.Config{Clock: clock, Logger: quiet})
			require.NoError(t, err)
			defer func() { assert.NoError(t, sup.Close()) }()

			before := payments.ForceOpen(tt.hold, alice)
			rec, err := sup.Do(ctx, heal.Trigger{
				Code: "SVC-DEP-001", Target: "payments",
				Action: breaker.Trip(&set, 30*time.Second),
				Source: supervisor.SourceDetection, Actor: "system", Reason: "storm",
			})
			require.NoError(t, err)
			require.Equal(t, supervisor.OutcomeOK, rec.Outcome)
			assert.Equal(t, tt.kept, rec.Attrs["kept"])

			after, held := payments.Hold()
			require.True(t, held)
			if tt.kept != "" {
				assert.Equal(t, before, after, "the operator's hold stays in effect")
			} else {
				assert.Equal(t, "system", after.Actor)
				assert.Equal(t, clock.Now().Add(30*time.Second), after.Until)
			}
		})
	}
}
