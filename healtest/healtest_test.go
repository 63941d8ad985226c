package healtest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/selfheal/selfheal/heal"
	"github.com/selfheal/selfheal/healtest"
	"github.com/selfheal/selfheal/supervisor"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestClockFiresTimersInOrder(t *testing.T) {
	clk := healtest.NewClock(time.Time{})
	assert.Equal(t, healtest.Epoch, clk.Now())

	late := clk.NewTimer(3 * time.Second)
	early := clk.NewTimer(time.Second)
	stopped := clk.NewTimer(2 * time.Second)
	assert.True(t, stopped.Stop())
	assert.False(t, stopped.Stop(), "stopping twice reports false")
	assert.Equal(t, 2, clk.Pending())

	clk.Advance(999 * time.Millisecond)
	assertNoFire(t, early)
	clk.Advance(time.Millisecond)
	assert.Equal(t, healtest.Epoch.Add(time.Second), <-early.C(), "fires at its own deadline")

	clk.Advance(5 * time.Second)
	assert.Equal(t, healtest.Epoch.Add(3*time.Second), <-late.C())
	assertNoFire(t, stopped)
	assert.Equal(t, healtest.Epoch.Add(6*time.Second), clk.Now())

	assert.False(t, early.Reset(time.Second), "reset of a fired timer reports false")
	clk.Advance(time.Second)
	assert.Equal(t, healtest.Epoch.Add(7*time.Second), <-early.C())

	immediate := clk.NewTimer(0)
	assert.Equal(t, clk.Now(), <-immediate.C())
	assert.Panics(t, func() { clk.Set(healtest.Epoch) })
}

func TestClockWaitForTimers(t *testing.T) {
	clk := healtest.NewClock(time.Time{})
	done := make(chan time.Time)
	go func() {
		tm := clk.NewTimer(time.Minute)
		done <- <-tm.C()
	}()
	clk.WaitForTimers(1)
	clk.Advance(time.Minute)
	assert.Equal(t, healtest.Epoch.Add(time.Minute), <-done)
}

func assertNoFire(t *testing.T, tm heal.Timer) {
	t.Helper()
	select {
	case at := <-tm.C():
		t.Fatalf("timer fired at %v", at)
	default:
	}
}

var tax = heal.DefaultTaxonomy()

func TestFailpoint(t *testing.T) {
	clk := healtest.NewClock(time.Time{})
	boom := tax.New("SVC-DEP-001", "payments", "injected")
	tests := []struct {
		name  string
		fault healtest.Fault
		step  time.Duration // clock advance between calls
		calls int
		want  int // failures among the calls
	}{
		{"always", healtest.Fault{Err: boom}, 0, 10, 10},
		{"zero fault never fires", healtest.Fault{}, 0, 10, 0},
		{"bounded calls", healtest.Fault{Err: boom, Calls: 3}, 0, 10, 3},
		{
			"bounded duration",
			healtest.Fault{Err: boom, For: 5 * time.Second, Clock: clk},
			time.Second, 10, 5,
		},
		{"half the calls", healtest.Fault{Err: boom, Rate: 0.5, Seed: 7}, 0, 1000, 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fp := healtest.NewFailpoint("test." + tt.name)
			remove := fp.Inject(tt.fault)
			defer remove()
			failed := 0
			for range tt.calls {
				if err := fp.Err(); err != nil {
					require.ErrorIs(t, err, &heal.Error{Code: "SVC-DEP-001"})
					failed++
				}
				clk.Advance(tt.step)
			}
			if tt.fault.Rate > 0 {
				assert.InDelta(t, tt.want, failed, float64(tt.calls)/10)
			} else {
				assert.Equal(t, tt.want, failed)
			}
		})
	}
}

// countingClock counts how often a fault reads the time.
type countingClock struct {
	*healtest.Clock
	reads atomic.Int64
}

func (c *countingClock) Now() time.Time {
	c.reads.Add(1)
	return c.Clock.Now()
}

func TestFailpointSpentFaultUninstalls(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name  string
		fault healtest.Fault
		fails int           // calls that fail before the fault is spent
		after time.Duration // clock advance once they have
	}{
		{"bounded calls", healtest.Fault{Err: boom, Calls: 2, For: time.Hour}, 2, 0},
		{"bounded duration", healtest.Fault{Err: boom, For: time.Second}, 3, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := &countingClock{Clock: healtest.NewClock(time.Time{})}
			tt.fault.Clock = clk
			fp := healtest.NewFailpoint("test.spent." + tt.name)
			defer fp.Inject(tt.fault)()
			for range tt.fails {
				require.ErrorIs(t, fp.Err(), boom)
			}
			clk.Advance(tt.after)
			assert.NoError(t, fp.Err(), "the fault is spent")
			assert.False(t, fp.Active())

			reads := clk.reads.Load()
			for range 10 {
				assert.NoError(t, fp.Err())
			}
			assert.False(t, fp.Active())
			assert.Equal(t, reads, clk.reads.Load(), "a spent fault no longer reads the clock")
		})
	}
}

func TestFailpointInjectAndRemove(t *testing.T) {
	fp := healtest.NewFailpoint("test.remove")
	assert.Same(t, fp, healtest.NewFailpoint("test.remove"), "one failpoint per name")
	assert.Contains(t, healtest.Failpoints(), "test.remove")
	assert.NoError(t, fp.Err())

	remove := healtest.Inject("test.remove", healtest.Fault{Err: errors.New("x")})
	assert.True(t, fp.Active())
	assert.Error(t, fp.Err())
	remove()
	assert.False(t, fp.Active())
	assert.NoError(t, fp.Err())

	// A stale remove does not clear a newer fault.
	remove = fp.Inject(healtest.Fault{Err: errors.New("first")})
	fp.Inject(healtest.Fault{Err: errors.New("second")})
	remove()
	assert.EqualError(t, fp.Err(), "second")
	fp.Clear()
	assert.NoError(t, fp.Err())
}

func TestFailpointWrappers(t *testing.T) {
	fp := healtest.NewFailpoint("test.wrappers")
	called := 0
	charge := fp.Func(func(context.Context) error { called++; return nil })
	require.NoError(t, charge(context.Background()))
	defer fp.Inject(healtest.Fault{Err: tax.New("SVC-DEP-001", "payments", "down"), Calls: 1})()
	require.Error(t, charge(context.Background()))
	assert.Equal(t, 1, called, "an injected failure skips the real call")

	var reported []error
	noContent := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	h := healtest.NewFailpoint("test.handler").Handler(noContent,
		reporterFunc(func(err error) { reported = append(reported, err) }))
	defer healtest.Inject("test.handler", healtest.Fault{
		Err:   tax.New("DEPLOY-HEALTH-002", "new-checkout", "boom"),
		Calls: 1,
	})()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	assert.NotContains(t, rec.Body.String(), "DEPLOY-HEALTH-002")
	require.Len(t, reported, 1)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	assert.Equal(t, http.StatusNoContent, rec.Code)
}

type reporterFunc func(error)

func (f reporterFunc) Report(err error) { f(err) }

// fakeT captures assertion failures so that their messages can be checked.
type fakeT struct {
	testing.TB
	msgs []string
}

func (f *fakeT) Helper() {}
func (f *fakeT) Errorf(format string, args ...any) {
	f.msgs = append(f.msgs, fmt.Sprintf(format, args...))
}

func TestRecorderAssertions(t *testing.T) {
	clk := healtest.NewClock(time.Time{})
	rec := healtest.NewRecorder(clk)
	trip := rec.Action("breaker.trip")
	start := clk.Now()

	ft := &fakeT{}
	assert.False(t, rec.AssertRan(ft, "breaker.trip", "payments", 1, start, 2*time.Second))
	assert.Contains(t, ft.msgs[0], "want breaker.trip on \"payments\" once within 2s")
	assert.Contains(t, ft.msgs[0], "No action ran at all.")

	clk.Advance(500 * time.Millisecond)
	require.NoError(t, trip.Run(context.Background(), heal.Trigger{Target: "payments"}))
	assert.True(t, rec.AssertRan(t, "breaker.trip", "payments", 1, start, 2*time.Second))
	assert.True(t, rec.AssertNotRan(t, "breaker.trip", "search"))

	clk.Advance(3 * time.Second)
	rec.FailWith("breaker.trip", errors.New("no such breaker"))
	require.Error(t, trip.Run(context.Background(), heal.Trigger{Target: "payments"}))
	rec.FailWith("breaker.trip", nil)
	require.NoError(t, trip.Undo(context.Background(), heal.Trigger{Target: "payments"}))
	assert.Equal(t, 2, rec.Count("breaker.trip", "payments"))
	assert.True(t, rec.AssertRan(t, "breaker.trip", "payments", 1, start, 2*time.Second),
		"the late call falls outside the window")

	ft = &fakeT{}
	assert.False(t, rec.AssertNotRan(ft, "breaker.trip", "payments"))
	assert.Contains(t, ft.msgs[0], "it ran twice")
	assert.Contains(t, ft.msgs[0], `ran breaker.trip on "payments" at 15:04:05.500`)
	assert.Contains(t, ft.msgs[0], "(failed: no such breaker)")
	assert.Contains(t, ft.msgs[0], `undid breaker.trip on "payments"`)
}

func TestRecorderWaitFor(t *testing.T) {
	rec := healtest.NewRecorder(nil)
	go func() {
		_ = rec.Action("flag.kill").Run(context.Background(), heal.Trigger{Target: "new-checkout"})
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, rec.WaitFor(ctx, "flag.kill", "new-checkout", 1))

	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	err := rec.WaitFor(ctx, "flag.kill", "other", 1)
	require.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), `ran flag.kill on "new-checkout"`)
}

func BenchmarkFailpointIdle(b *testing.B) {
	fp := healtest.NewFailpoint("bench.idle")
	for b.Loop() {
		if fp.Err() != nil {
			b.Fatal("nothing injected")
		}
	}
}

// BenchmarkFailpointSpent measures a failpoint whose bounded fault is used
// up: it should cost what an idle one does.
func BenchmarkFailpointSpent(b *testing.B) {
	fp := healtest.NewFailpoint("bench.spent")
	defer fp.Inject(healtest.Fault{Err: errors.New("boom"), Calls: 1, For: time.Hour})()
	_ = fp.Err()
	for b.Loop() {
		if fp.Err() != nil {
			b.Fatal("the fault is spent")
		}
	}
}

func TestAuditLogWaitFor(t *testing.T) {
	var log healtest.AuditLog
	go func() {
		_ = log.Write(supervisor.Record{
			Outcome: supervisor.OutcomeStarted, Action: "breaker.trip", Target: "payments",
		})
		_ = log.Write(supervisor.Record{
			Outcome: supervisor.OutcomeOK, Action: "breaker.trip", Target: "payments",
		})
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rec, err := log.WaitFor(ctx, supervisor.OutcomeOK, "breaker.trip", "")
	require.NoError(t, err)
	assert.Equal(t, "payments", rec.Target)
	assert.Len(t, log.Records(), 2)

	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	_, err = log.WaitFor(ctx, supervisor.OutcomeFailed, "", "")
	require.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), `ok  breaker.trip on "payments"`)
}

func TestAuditLogWaitForFunc(t *testing.T) {
	var log healtest.AuditLog
	at := func(s int) time.Time { return healtest.Epoch.Add(time.Duration(s) * time.Second) }
	_ = log.Write(supervisor.Record{Time: at(1), Outcome: supervisor.OutcomeOK, Target: "a"})
	go func() {
		_ = log.Write(supervisor.Record{Time: at(5), Outcome: supervisor.OutcomeOK, Target: "b"})
	}()
	later := func(r supervisor.Record) bool {
		return r.Outcome == supervisor.OutcomeOK && r.Time.After(at(2))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rec, err := log.WaitForFunc(ctx, later)
	require.NoError(t, err)
	assert.Equal(t, "b", rec.Target, "the first record that matches, not the first written")

	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	_, err = log.WaitForFunc(ctx, func(supervisor.Record) bool { return false })
	require.ErrorIs(t, err, context.Canceled)
	assert.True(t, strings.HasPrefix(err.Error(), "healtest: no matching record"), err.Error())
	assert.Contains(t, err.Error(), `on "b"`, "it lists what was written")
}
