package supervisor_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/selfheal/selfheal/supervisor"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// memSink is an AuditSink that keeps records and can be told to fail.
type memSink struct {
	mu      sync.Mutex
	records []supervisor.Record
	fail    atomic.Bool
	written chan supervisor.Record
}

func newMemSink() *memSink {
	return &memSink{written: make(chan supervisor.Record, 1024)}
}

func (m *memSink) Write(r supervisor.Record) error {
	if m.fail.Load() {
		return errors.New("disk on fire")
	}
	m.mu.Lock()
	m.records = append(m.records, r)
	m.mu.Unlock()
	m.written <- r
	return nil
}

// outcomes returns the outcomes written so far, in order.
func (m *memSink) outcomes() []supervisor.Outcome {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []supervisor.Outcome
	for _, r := range m.records {
		out = append(out, r.Outcome)
	}
	return out
}

// waitFor returns the next written record with outcome o, skipping others.
func (m *memSink) waitFor(t *testing.T, o supervisor.Outcome) supervisor.Record {
	t.Helper()
	for {
		select {
		case r := <-m.written:
			if r.Outcome == o {
				return r
			}
		case <-time.After(10 * time.Second): // a hang guard, not a wait for time
			t.Fatalf("no %q record written", o)
		}
	}
}

// fixture is a supervisor on a fake clock with an in-memory sink.
type fixture struct {
	clock *fakeClock
	sink  *memSink
	sup   *supervisor.Supervisor
}

// newFixture starts a supervisor; cfg's Clock and AuditSink are filled in
// when empty. It waits for the watchdog's timer, so tests start with every
// idle timer armed.
func newFixture(t *testing.T, cfg supervisor.Config) *fixture {
	t.Helper()
	f := &fixture{clock: newClock(), sink: newMemSink()}
	if c, ok := cfg.Clock.(*fakeClock); ok {
		f.clock = c
	}
	cfg.Clock = f.clock
	if cfg.AuditSink == nil {
		cfg.AuditSink = f.sink
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	sup, err := supervisor.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, sup.Close()) })
	f.sup = sup
	f.clock.WaitForTimers(1)
	return f
}

// do runs tr and returns its outcome record.
func (f *fixture) do(t *testing.T, tr supervisor.Trigger) supervisor.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rec, err := f.sup.Do(ctx, tr)
	require.NoError(t, err)
	return rec
}

// counter is an action that counts its runs.
type counter struct {
	name string
	runs atomic.Int32
	err  error
}

func (c *counter) Name() string { return c.name }

func (c *counter) Run(context.Context, supervisor.Trigger) error {
	c.runs.Add(1)
	return c.err
}

// trig returns a detection trigger for action a on target.
func trig(a supervisor.Action, target string) supervisor.Trigger {
	return supervisor.Trigger{
		Code: "SVC-DEP-001", Target: target, Action: a, Source: supervisor.SourceDetection,
		Actor: "system", Runbook: "https://runbooks.example/SVC-DEP-001",
	}
}

// chanNotifier hands every notification to a channel.
type chanNotifier chan supervisor.Notification

func (c chanNotifier) Notify(_ context.Context, n supervisor.Notification) error {
	c <- n
	return nil
}

// waitNote returns the next notification with outcome o.
func waitNote(t *testing.T, c chanNotifier, o supervisor.Outcome) supervisor.Notification {
	t.Helper()
	for {
		select {
		case n := <-c:
			if n.Outcome == o {
				return n
			}
		case <-time.After(10 * time.Second): // a hang guard, not a wait for time
			t.Fatalf("no %q notification", o)
		}
	}
}

type atomicInt = atomic.Int32

// recordingHandler is a slog.Handler keeping "LEVEL message" lines.
type recordingHandler struct {
	mu    sync.Mutex
	lines []string
}

func newSlog(h *recordingHandler) *slog.Logger { return slog.New(h) }

func (h *recordingHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *recordingHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lines = append(h.lines, r.Level.String()+" "+r.Message)
	return nil
}

func (h *recordingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recordingHandler) WithGroup(string) slog.Handler      { return h }
