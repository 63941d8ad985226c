package breaker_test

import (
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/selfheal/selfheal/breaker"
	"github.com/selfheal/selfheal/heal"
	"github.com/selfheal/selfheal/healtest"
	"github.com/sony/gobreaker/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHealerTripsBreakerOnDependencyFailures goes from a failing dependency
// to an open breaker and back: the breaker reports each failure's code,
// the Healer's rule crosses, the supervisor runs Trip, and the hold lapses.
func TestHealerTripsBreakerOnDependencyFailures(t *testing.T) {
	clock := healtest.NewClock(time.Time{})
	quiet := slog.New(slog.DiscardHandler)
	tax := heal.MustNewTaxonomy(heal.Definition{
		Code: "SVC-DEP-001", Title: "payments unavailable", Owner: "team-pay",
		Severity: heal.SeverityHigh, Retryable: true,
		Runbook: "https://runbooks.example/SVC-DEP-001", Response: "trip the breaker",
	})
	h, err := heal.New(heal.Config{Taxonomy: tax, Clock: clock, Logger: quiet})
	require.NoError(t, err)
	defer func() { assert.NoError(t, h.Close()) }()

	forced := make(chan breaker.Event, 4)
	payments := breaker.New("payments", breaker.Config{
		Reporter: h, Clock: clock, Logger: quiet,
		ReadyToTrip: func(gobreaker.Counts) bool { return false }, // only the policy trips it
		OnEvent: func(e breaker.Event) {
			if e.Kind == breaker.KindForcedOpen {
				forced <- e
			}
		},
	})
	var set breaker.Set
	require.NoError(t, set.Add(payments))
	trip := breaker.Trip(&set, 30*time.Second)
	require.NoError(t, h.On("SVC-DEP-*", heal.AtLeast(3, time.Minute), trip))

	// The fault: the dependency times out.
	down := func() error { return tax.Wrap("SVC-DEP-001", "payments", errors.New("timeout")) }
	for range 3 {
		require.Error(t, payments.Execute(down))
	}

	select {
	case e := <-forced:
		assert.Equal(t, "system", e.By.Actor)
		assert.Equal(t, clock.Now().Add(30*time.Second), e.Hold.Until)
	case <-time.After(10 * time.Second): // a guard against a hang, not a wait
		t.Fatal("the policy did not trip the breaker")
	}
	calls := 0
	up := func() error { calls++; return nil }
	require.ErrorIs(t, payments.Execute(up), gobreaker.ErrOpenState)
	assert.Zero(t, calls, "the open breaker shields the dependency")

	// Recovery: the hold lapses and calls flow again.
	clock.Advance(30 * time.Second)
	require.NoError(t, payments.Execute(up))
	assert.Equal(t, 1, calls)
	assert.Equal(t, gobreaker.StateClosed, payments.State())
}
