package breaker_test

import (
	"context"
	"io"
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
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
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
