package breaker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/selfheal/selfheal/heal"
	"github.com/selfheal/selfheal/healtest"
	"github.com/sony/gobreaker/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var testTax = heal.MustNewTaxonomy(
	def("SVC-DEP-001", true, heal.SeverityHigh),
	def("SVC-DEP-002", true, heal.SeverityMedium),
	def("SVC-REQ-001", false, heal.SeverityLow),
)

func def(c heal.Code, retryable bool, sev heal.Severity) heal.Definition {
	return heal.Definition{
		Code: c, Title: "test " + string(c), Owner: "team-test", Severity: sev,
		Retryable: retryable, Runbook: "https://runbooks.example/" + string(c),
		Response: "look at the dependency",
	}
}

var quiet = slog.New(slog.DiscardHandler)

// recorder collects what a breaker reports and emits.
type recorder struct {
	mu       sync.Mutex
	reported []error
	events   []Event
}

func (r *recorder) Report(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reported = append(r.reported, err)
}

func (r *recorder) OnEvent(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *recorder) kinds() []Kind {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Kind, len(r.events))
	for i, e := range r.events {
		out[i] = e.Kind
	}
	return out
}

// newTest returns a breaker that trips on the second consecutive failure,
// on a fake clock, recording into rec.
func newTest(t *testing.T, rec *recorder) (*Breaker, *healtest.Clock) {
	t.Helper()
	clock := healtest.NewClock(time.Time{})
	b := New("payments", Config{
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= 2 },
		Reporter:    rec,
		OnEvent:     rec.OnEvent,
		RejectCode:  "SVC-DEP-002",
		Taxonomy:    testTax,
		Logger:      quiet,
		Clock:       clock,
	})
	return b, clock
}

func fail(err error) func() error { return func() error { return err } }

func TestCountingByTaxonomy(t *testing.T) {
	plain := errors.New("connection refused")
	tests := []struct {
		name                string
		err                 error
		failures, successes uint32
		excluded, reported  bool
	}{
		{name: "nil", err: nil, successes: 1},
		{name: "plain error", err: plain, failures: 1, reported: true},
		{
			name: "retryable code", err: testTax.Wrap("SVC-DEP-001", "payments", plain),
			failures: 1, reported: true,
		},
		{
			name: "non-retryable code", err: testTax.Wrap("SVC-REQ-001", "payments", plain),
			successes: 1, reported: true,
		},
		{name: "caller cancelled", err: fmt.Errorf("call: %w", context.Canceled), excluded: true},
		{name: "deadline exceeded", err: context.DeadlineExceeded, failures: 1, reported: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			b, _ := newTest(t, rec)
			err := b.Execute(fail(tt.err))
			assert.Equal(t, tt.err, err, "the call's own error comes back untouched")

			c := b.Status().Counts
			assert.Equal(t, tt.failures, c.TotalFailures)
			assert.Equal(t, tt.successes, c.TotalSuccesses)
			if tt.excluded {
				assert.Equal(t, uint32(1), c.TotalExclusions)
			}
			if tt.reported {
				assert.Equal(t, []error{tt.err}, rec.reported)
			} else {
				assert.Empty(t, rec.reported)
			}
		})
	}
}

func TestTripsAndRejectsWithCode(t *testing.T) {
	rec := &recorder{}
	b, _ := newTest(t, rec)
	boom := testTax.Wrap("SVC-DEP-001", "payments", errors.New("timeout"))
	require.Equal(t, boom, b.Execute(fail(boom)))
	require.Equal(t, boom, b.Execute(fail(boom)))
	require.Equal(t, gobreaker.StateOpen, b.State())

	called := false
	err := b.Execute(func() error { called = true; return nil })
	assert.False(t, called, "an open breaker must not call the dependency")
	require.ErrorIs(t, err, gobreaker.ErrOpenState)
	he, ok := heal.AsError(err)
	require.True(t, ok, "the rejection is classifiable")
	assert.Equal(t, heal.Code("SVC-DEP-002"), he.Code)
	assert.Equal(t, "payments", he.Target)
	assert.True(t, he.Retryable)
	assert.Equal(t, heal.SeverityMedium, he.Severity)

	assert.Len(t, rec.reported, 2, "rejections are not reported")
	require.Equal(t, []Kind{KindStateChange}, rec.kinds())
	assert.Equal(t, gobreaker.StateClosed, rec.events[0].From)
	assert.Equal(t, gobreaker.StateOpen, rec.events[0].To)
}

func TestRejectionWithoutCode(t *testing.T) {
	b := New("x", Config{ReadyToTrip: func(gobreaker.Counts) bool { return true }, Logger: quiet})
	require.Error(t, b.Execute(fail(errors.New("down"))))
	assert.Same(t, gobreaker.ErrOpenState, b.Execute(fail(nil)))

	b.ForceOpen(0, Attribution{Actor: "human:alice", Reason: "drill"})
	err := b.Execute(fail(nil))
	require.ErrorIs(t, err, gobreaker.ErrOpenState)
	assert.EqualError(t, err,
		"breaker x: circuit breaker forced open by human:alice: drill: circuit breaker is open")
}

func TestRejectCodeWithoutTaxonomyIsRetryable(t *testing.T) {
	b := New("x", Config{RejectCode: "SVC-DEP-009", Logger: quiet})
	b.ForceOpen(0, Attribution{Actor: "system"})
	he, ok := heal.AsError(b.Execute(fail(nil)))
	require.True(t, ok)
	assert.True(t, he.Retryable)
	assert.Equal(t, heal.Code("SVC-DEP-009"), he.Code)
}

func TestNestedOpenStateIsTheCallsOwnError(t *testing.T) {
	b, _ := newTest(t, &recorder{})
	err := b.Execute(fail(gobreaker.ErrOpenState))
	assert.Same(t, gobreaker.ErrOpenState, err,
		"a nested breaker's refusal is not this breaker's rejection")
	assert.Equal(t, uint32(1), b.Status().Counts.TotalFailures)
}

func TestHoldLapsesOnTheInjectedClock(t *testing.T) {
	rec := &recorder{}
	b, clock := newTest(t, rec)
	by := Attribution{Actor: "human:alice", Reason: "payments returns garbage"}
	h := b.ForceOpen(30*time.Second, by)
	assert.Equal(t, healtest.Epoch, h.Since)
	assert.Equal(t, healtest.Epoch.Add(30*time.Second), h.Until)

	steps := []struct {
		advance time.Duration
		open    bool
	}{
		{0, true},
		{29 * time.Second, true},
		{time.Second, false}, // Until is exclusive
		{time.Hour, false},
	}
	for _, s := range steps {
		clock.Advance(s.advance)
		called := false
		err := b.Execute(func() error { called = true; return nil })
		assert.Equal(t, !s.open, called, "at %v", clock.Now())
		if s.open {
			require.ErrorIs(t, err, gobreaker.ErrOpenState)
			he, _ := heal.AsError(err)
			assert.Contains(t, he.Message, "human:alice")
			st := b.Status()
			require.NotNil(t, st.Hold)
			assert.Equal(t, h, *st.Hold)
			assert.Equal(t, gobreaker.StateOpen, st.State)
		}
	}
	_, held := b.Hold()
	assert.False(t, held)
	require.Equal(t, []Kind{KindForcedOpen, KindHoldExpired}, rec.kinds())
	assert.Equal(t, by, rec.events[0].By)
	assert.Equal(t, h.Until, rec.events[1].At)
}

func TestHoldUntilReset(t *testing.T) {
	rec := &recorder{}
	b, clock := newTest(t, rec)
	// Trip it by its own rules first, so Reset must also clear gobreaker.
	boom := errors.New("down")
	_ = b.Execute(fail(boom))
	_ = b.Execute(fail(boom))
	b.ForceOpen(0, Attribution{Actor: "system", Reason: "SVC-DEP-001 storm"})
	clock.Advance(24 * time.Hour)
	h, held := b.Hold()
	require.True(t, held, "a hold without a duration lasts until reset")
	assert.True(t, h.Until.IsZero())

	b.Reset(Attribution{Actor: "human:bob", Reason: "fixed"})
	assert.Equal(t, gobreaker.StateClosed, b.State())
	assert.Zero(t, b.Status().Counts)
	require.NoError(t, b.Execute(fail(nil)))
	require.Equal(t, []Kind{KindStateChange, KindForcedOpen, KindReset}, rec.kinds())
	assert.Equal(t, "human:bob", rec.events[2].By.Actor)
	assert.Equal(t, gobreaker.StateOpen, rec.events[2].From)
}

func TestForceOpenAtLeastNeverShortens(t *testing.T) {
	alice := Attribution{Actor: "human:alice", Reason: "payments returns garbage"}
	sys := Attribution{Actor: "system", Reason: "SVC-DEP-001 storm"}
	const none = -1 // no hold before the call
	tests := []struct {
		name    string
		before  time.Duration // alice's hold; 0 lasts until reset
		elapsed time.Duration // time passed before the call
		d       time.Duration // the call's duration; 0 means until reset
		placed  bool
	}{
		{name: "no hold", before: none, d: 30 * time.Second, placed: true},
		{name: "shorter hold", before: 10 * time.Second, d: 30 * time.Second, placed: true},
		{
			name: "hold with less time left", before: time.Minute, elapsed: 45 * time.Second,
			d: 30 * time.Second, placed: true,
		},
		{name: "longer hold", before: time.Hour, d: 30 * time.Second},
		{name: "hold ending at the same instant", before: 30 * time.Second, d: 30 * time.Second},
		{name: "hold until reset", before: 0, d: 30 * time.Second},
		{
			name: "lapsed hold", before: 10 * time.Second, elapsed: 10 * time.Second,
			d: 30 * time.Second, placed: true,
		},
		{name: "until reset over a timed hold", before: time.Hour, d: 0, placed: true},
		{name: "until reset over until reset", before: 0, d: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			b, clock := newTest(t, rec)
			var prior Hold
			if tt.before != none {
				prior = b.ForceOpen(tt.before, alice)
			}
			clock.Advance(tt.elapsed)

			h, placed := b.ForceOpenAtLeast(tt.d, sys)
			assert.Equal(t, tt.placed, placed)
			got, held := b.Hold()
			require.True(t, held)
			assert.Equal(t, got, h, "it returns the hold in effect")
			if !tt.placed {
				assert.Equal(t, prior, h, "the longer hold is kept untouched")
				return
			}
			assert.Equal(t, sys, h.Attribution)
			assert.Equal(t, clock.Now(), h.Since)
			if tt.d > 0 {
				assert.Equal(t, clock.Now().Add(tt.d), h.Until)
			} else {
				assert.True(t, h.Until.IsZero())
			}
			kinds := rec.kinds()
			require.NotEmpty(t, kinds)
			assert.Equal(t, KindForcedOpen, kinds[len(kinds)-1])
		})
	}
}

// TestForceOpenAtLeastConcurrently places holds of many lengths at once:
// whatever the interleaving, the longest one is left in effect.
func TestForceOpenAtLeastConcurrently(t *testing.T) {
	b, _ := newTest(t, &recorder{})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 50 {
				d := time.Duration(1+(i*50+j)%97) * time.Second
				b.ForceOpenAtLeast(d, Attribution{Actor: "system"})
			}
		})
	}
	wg.Wait()
	h, held := b.Hold()
	require.True(t, held)
	assert.Equal(t, healtest.Epoch.Add(97*time.Second), h.Until)
}

func TestHookMayCallBackIntoBreaker(t *testing.T) {
	var b *Breaker
	var seen []gobreaker.State
	b = New("db", Config{
		ReadyToTrip: func(gobreaker.Counts) bool { return true },
		Logger:      quiet,
		OnEvent: func(e Event) {
			// Calling gobreaker from its own callback would deadlock here.
			seen = append(seen, b.State())
			_ = b.Status()
			if e.Kind == KindStateChange {
				b.ForceOpen(0, Attribution{Actor: "hook"})
			}
		},
	})
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = b.Execute(fail(errors.New("down")))
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second): // a guard against a hang, not a wait
		t.Fatal("calling back into the breaker from the hook deadlocked")
	}
	assert.Equal(t, []gobreaker.State{gobreaker.StateOpen, gobreaker.StateOpen}, seen)
	_, held := b.Hold()
	assert.True(t, held, "an event raised by the hook is delivered too")
}

func TestHookPanicDoesNotStopDelivery(t *testing.T) {
	calls := 0
	b := New("db", Config{Logger: quiet, OnEvent: func(Event) {
		calls++
		if calls == 1 {
			panic("hook bug")
		}
	}})
	assert.Panics(t, func() { b.ForceOpen(0, Attribution{}) })
	b.Reset(Attribution{})
	assert.Equal(t, 2, calls)
}

func TestPanicCountsAsFailure(t *testing.T) {
	b, _ := newTest(t, &recorder{})
	assert.PanicsWithValue(t, "bug", func() { _ = b.Execute(func() error { panic("bug") }) })
	assert.Equal(t, uint32(1), b.Status().Counts.TotalFailures)
}

func TestDo(t *testing.T) {
	b, _ := newTest(t, &recorder{})
	v, err := Do(b, func() (int, error) { return 42, nil })
	require.NoError(t, err)
	assert.Equal(t, 42, v)

	b.ForceOpen(0, Attribution{Actor: "system"})
	v, err = Do(b, func() (int, error) { return 7, nil })
	require.ErrorIs(t, err, gobreaker.ErrOpenState)
	assert.Zero(t, v)
}

func TestConcurrentUse(t *testing.T) {
	b, clock := newTest(t, &recorder{})
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 200 {
				switch {
				case i == 0 && j%50 == 0:
					b.ForceOpen(time.Second, Attribution{Actor: "system"})
				case i == 1 && j%50 == 0:
					b.Reset(Attribution{Actor: "system"})
				case i == 2 && j%10 == 0:
					clock.Advance(time.Second)
				default:
					_ = b.Execute(fail(nil))
				}
			}
		})
	}
	wg.Wait()
	b.Reset(Attribution{})
	assert.Equal(t, gobreaker.StateClosed, b.State())
}

func TestKindString(t *testing.T) {
	assert.Equal(t, "forced-open", KindForcedOpen.String())
	assert.Equal(t, "unknown", Kind(99).String())
}
