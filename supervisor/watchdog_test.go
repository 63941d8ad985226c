package supervisor_test

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/selfheal/selfheal/supervisor"
)

// gate holds the decision loop at the start of a turn while closed.
type gate struct {
	mu      sync.Mutex
	held    bool
	entered chan struct{}
	open    chan struct{}
}

func newGate() *gate { return &gate{entered: make(chan struct{}, 16)} }

// hold makes the next turn block until release.
func (g *gate) hold() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.held, g.open = true, make(chan struct{})
}

// release lets a held turn go on. It is safe to call when nothing is held.
func (g *gate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.held {
		g.held = false
		close(g.open)
	}
}

func (g *gate) beforeTurn() {
	g.mu.Lock()
	held, open := g.held, g.open
	g.mu.Unlock()
	if held {
		g.entered <- struct{}{}
		<-open
	}
}

// tick is what the watchdog saw on one tick.
type tick struct {
	healthy, pinged bool
}

func watchFixture(t *testing.T, cfg supervisor.Config) (*fixture, *gate, chan tick) {
	t.Helper()
	g, ticks := newGate(), make(chan tick, 64)
	cfg = supervisor.WithTestHooks(cfg, g.beforeTurn, func(h supervisor.Health, pinged bool) {
		ticks <- tick{h.Healthy, pinged}
	})
	f := newFixture(t, cfg)
	t.Cleanup(g.release) // runs before the fixture's Close, which needs the loop
	return f, g, ticks
}

// probe calls the readiness handler and returns its status and health.
func probe(t *testing.T, s *supervisor.Supervisor) (int, supervisor.Health) {
	t.Helper()
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/ready", nil))
	var h supervisor.Health
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &h))
	return w.Code, h
}

func TestWatchdogTripsOnStallAndRecovers(t *testing.T) {
	notes := make(chanNotifier, 64)
	f, g, ticks := watchFixture(t, supervisor.Config{
		StallLimit: 10 * time.Second, Notifiers: []supervisor.Notifier{notes},
	})
	code, h := probe(t, f.sup)
	require.Equal(t, http.StatusOK, code)
	require.True(t, h.Healthy)

	g.hold()
	require.NoError(t, f.sup.Submit(trig(&counter{name: "act"}, "x")))
	<-g.entered

	// Ticks come every 5s. The first sees the turn; the second sees it
	// again but only at the limit; the third finds it past the limit.
	for _, busy := range []time.Duration{5 * time.Second, 10 * time.Second} {
		f.clock.Advance(5 * time.Second)
		assert.Equal(t, tick{healthy: true}, <-ticks)
		assert.True(t, f.sup.Health().Healthy, "busy %v", busy)
		assert.Equal(t, busy, f.sup.Health().LoopBusy)
	}
	f.clock.Advance(5 * time.Second)
	assert.Equal(t, tick{healthy: false}, <-ticks)
	h = f.sup.Health()
	require.False(t, h.Healthy)
	assert.Contains(t, h.Reason, "stalled for 15s")
	code, _ = probe(t, f.sup)
	assert.Equal(t, http.StatusServiceUnavailable, code)
	n := waitNote(t, notes, supervisor.OutcomeUnhealthy)
	assert.True(t, n.NeedsHuman)

	err := f.sup.Submit(trig(&counter{name: "act"}, "y"))
	require.ErrorIs(t, err, supervisor.ErrUnhealthy)
	skipped := f.sink.waitFor(t, supervisor.OutcomeSkipped)
	assert.Equal(t, supervisor.GuardUnhealthy, skipped.Guardrail)
	assert.Equal(t, "y", skipped.Target)

	g.release()
	f.sink.waitFor(t, supervisor.OutcomeOK)
	assert.True(t, f.sup.Health().Healthy)
	f.clock.Advance(5 * time.Second)
	assert.Equal(t, tick{healthy: true}, <-ticks)
	waitNote(t, notes, supervisor.OutcomeRecovered)
}

func TestFailingAuditSinkFailsClosedAndRecovers(t *testing.T) {
	f := newFixture(t, supervisor.Config{})
	a := &counter{name: "act"}
	f.sink.fail.Store(true)

	rec := f.do(t, trig(a, "x"))
	assert.Equal(t, supervisor.OutcomeSkipped, rec.Outcome)
	assert.Equal(t, supervisor.GuardUnhealthy, rec.Guardrail)
	assert.Contains(t, rec.Error, "disk on fire")
	assert.Zero(t, a.runs.Load(), "no action without a durable started record")
	h := f.sup.Health()
	assert.False(t, h.Healthy)
	assert.Equal(t, uint64(2), h.AuditErrors)

	require.ErrorIs(t, f.sup.Submit(trig(a, "x")), supervisor.ErrUnhealthy)

	f.sink.fail.Store(false)
	// The refusal's own record is the probe that finds the sink working.
	require.ErrorIs(t, f.sup.Submit(trig(a, "x")), supervisor.ErrUnhealthy)
	assert.True(t, f.sup.Health().Healthy)
	// x's cooldown was claimed before its started record failed: failing
	// closed leaves it claimed. Another target runs at once.
	assert.Equal(t, supervisor.OutcomeOK, f.do(t, trig(a, "y")).Outcome)
}

func TestQueueFullIsRejectedAndAudited(t *testing.T) {
	f, g, _ := watchFixture(t, supervisor.Config{QueueSize: 1})
	a := &counter{name: "act"}
	g.hold()
	require.NoError(t, f.sup.Submit(trig(a, "1")))
	<-g.entered
	require.NoError(t, f.sup.Submit(trig(a, "2")))
	err := f.sup.Submit(trig(a, "3"))
	require.ErrorIs(t, err, supervisor.ErrQueueFull)
	rec := f.sink.waitFor(t, supervisor.OutcomeRejected)
	assert.Equal(t, supervisor.GuardQueueFull, rec.Guardrail)
	assert.Equal(t, "3", rec.Target)
	g.release()
}

func TestSystemdWatchdogPetsOnlyWhileHealthy(t *testing.T) {
	tests := []struct {
		name string
		addr func(t *testing.T) string
	}{
		{"path", func(t *testing.T) string { return filepath.Join(t.TempDir(), "notify.sock") }},
		{"abstract", func(t *testing.T) string {
			return "@selfheal-test-" + strconv.FormatInt(time.Now().UnixNano(), 36)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := tt.addr(t)
			conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: addr, Net: "unixgram"})
			require.NoError(t, err)
			defer conn.Close()
			t.Setenv("NOTIFY_SOCKET", addr)
			t.Setenv("WATCHDOG_USEC", "2000000") // pet every second
			t.Setenv("WATCHDOG_PID", "")

			f, g, ticks := watchFixture(t, supervisor.Config{StallLimit: 10 * time.Second})
			f.clock.Advance(time.Second)
			require.Equal(t, tick{healthy: true, pinged: true}, <-ticks)
			assert.Equal(t, "WATCHDOG=1", readDatagram(t, conn))

			g.hold()
			require.NoError(t, f.sup.Submit(trig(&counter{name: "act"}, "x")))
			<-g.entered
			f.clock.Advance(11 * time.Second) // first sight of the turn
			require.Equal(t, tick{healthy: true, pinged: true}, <-ticks)
			assert.Equal(t, "WATCHDOG=1", readDatagram(t, conn))
			f.clock.Advance(time.Second) // second sight, past the limit
			assert.Equal(t, tick{healthy: false, pinged: false}, <-ticks)
			g.release()
			f.sink.waitFor(t, supervisor.OutcomeOK)

			f.clock.Advance(time.Second)
			require.Equal(t, tick{healthy: true, pinged: true}, <-ticks)
			assert.Equal(t, "WATCHDOG=1", readDatagram(t, conn))
			assert.Equal(t, uint64(3), f.sup.Snapshot().SystemdPings)
		})
	}
}

func readDatagram(t *testing.T, conn *net.UnixConn) string {
	t.Helper()
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second))) // a hang guard
	buf := make([]byte, 256)
	n, _, err := conn.ReadFrom(buf)
	require.NoError(t, err)
	return string(buf[:n])
}
