package supervisor

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// Health is the supervisor's own state, as the watchdog sees it.
type Health struct {
	// Healthy is false while the decision loop is stalled, the audit sink
	// fails, or the supervisor is closed. An unhealthy supervisor refuses
	// every trigger.
	Healthy bool `json:"healthy"`
	// Reason says why it is unhealthy; empty when healthy.
	Reason string `json:"reason,omitempty"`
	// Time is when the health was judged, on the supervisor's clock.
	Time time.Time `json:"time"`
	// LoopBusy is how long the decision loop has been on its current turn;
	// zero when it is idle.
	LoopBusy time.Duration `json:"loop_busy_ns,omitempty"`
	// AuditErrors counts failed audit writes since start.
	AuditErrors uint64 `json:"audit_errors,omitempty"`
}

// Health judges the supervisor's health now. It does not need the decision
// loop, so it answers even when the loop is stalled.
func (s *Supervisor) Health() Health {
	return s.healthAt(s.clock.Now())
}

// healthAt judges health at now. The loop counts as stalled while it is
// still on the turn the watchdog found stalled (see watchdog); the audit
// sink counts as failing from a failed write until a write succeeds.
func (s *Supervisor) healthAt(now time.Time) Health {
	h := Health{Healthy: true, Time: now, AuditErrors: s.auditErrors.Load()}
	cur := s.beat.Load()
	if cur != nil {
		h.LoopBusy = now.Sub(cur.since)
	}
	var why []string
	if s.closed.Load() {
		why = append(why, "closed")
	}
	if cur != nil && cur.n == s.stalledTurn.Load() {
		why = append(why, fmt.Sprintf("decision loop stalled for %v (limit %v)",
			h.LoopBusy, s.cfg.StallLimit))
	}
	if s.sinkFailing.Load() {
		why = append(why, "audit sink failing")
	}
	if len(why) > 0 {
		h.Healthy, h.Reason = false, strings.Join(why, "; ")
	}
	return h
}

// stallWatch is the watchdog's memory of the turn it saw last.
type stallWatch struct {
	n    uint64 // the turn
	seen int    // on how many consecutive ticks
}

// observe judges the loop at a tick. A turn is stalled once it has lasted
// longer than StallLimit on the clock and the watchdog has seen it on two
// ticks or more. The second condition is not needed with a real clock; it
// keeps a fake clock that jumps ahead while a short turn is in progress
// from passing for a stall, since one jump fires at most one tick.
func (s *Supervisor) observe(w *stallWatch, now time.Time) {
	cur := s.beat.Load()
	switch {
	case cur == nil:
		*w = stallWatch{}
		return
	case cur.n == w.n:
		w.seen++
	default:
		*w = stallWatch{n: cur.n, seen: 1}
	}
	if w.seen >= 2 && now.Sub(cur.since) > s.cfg.StallLimit {
		s.stalledTurn.Store(cur.n)
	}
}

// Handler returns an http.Handler for readiness probes: 200 with the
// [Health] as JSON while healthy, 503 with it while not.
func (s *Supervisor) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		h := s.Health()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if !h.Healthy {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_ = json.NewEncoder(w).Encode(h)
	})
}

// watchdog judges health every tick on the supervisor's clock, reports
// transitions (log and notification) and, under systemd, pets the systemd
// watchdog while healthy, so that a stalled supervisor gets its process
// restarted rather than pretending to be alive.
func (s *Supervisor) watchdog() {
	defer s.wg.Done()
	sd := systemdFromEnv()
	every := s.cfg.StallLimit / 2
	if sd.interval > 0 && sd.interval < every {
		every = sd.interval
	}
	healthy, w := true, stallWatch{}
	t := s.clock.NewTimer(every)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C():
		}
		s.observe(&w, s.clock.Now())
		h := s.Health()
		healthy = s.transition(healthy, h)
		pinged := h.Healthy && sd.socket != "" && s.petSystemd(sd.socket)
		t.Reset(every) // before the hook, so a test sees the next tick armed
		if f := s.cfg.hooks.afterTick; f != nil {
			f(h, pinged)
		}
	}
}

// transition logs and notifies a change of health and returns the new one.
func (s *Supervisor) transition(was bool, h Health) bool {
	if was == h.Healthy {
		return was
	}
	note := Notification{Time: h.Time, Outcome: OutcomeRecovered, Text: "supervisor healthy again"}
	if h.Healthy {
		s.log.Info("supervisor: healthy again")
	} else {
		s.log.Warn("supervisor: unhealthy; refusing triggers", "reason", h.Reason)
		note = Notification{Time: h.Time, Outcome: OutcomeUnhealthy, NeedsHuman: true,
			Error: h.Reason, Text: "supervisor unhealthy, refusing triggers: " + h.Reason}
	}
	s.notes.send(note)
	return h.Healthy
}

// petSystemd sends WATCHDOG=1 and reports whether it got through. A failure
// is logged at Debug: systemd notices the silence, which is the point.
func (s *Supervisor) petSystemd(socket string) bool {
	if err := sdNotify(socket, "WATCHDOG=1"); err != nil {
		s.log.Debug("supervisor: systemd notify failed", "err", err)
		return false
	}
	s.sdPings.Add(1)
	return true
}

// systemd is what the environment says about systemd's watchdog.
type systemd struct {
	socket   string
	interval time.Duration // half of WatchdogSec, the pet interval systemd advises
}

// systemdFromEnv reads NOTIFY_SOCKET and WATCHDOG_USEC. Without both, or
// when WATCHDOG_PID names another process, there is nothing to pet.
func systemdFromEnv() systemd {
	sock := os.Getenv("NOTIFY_SOCKET")
	usec, err := strconv.ParseInt(os.Getenv("WATCHDOG_USEC"), 10, 64)
	if sock == "" || err != nil || usec <= 0 {
		return systemd{}
	}
	if pid := os.Getenv("WATCHDOG_PID"); pid != "" && pid != strconv.Itoa(os.Getpid()) {
		return systemd{}
	}
	return systemd{socket: sock, interval: time.Duration(usec) * time.Microsecond / 2}
}

// sdNotify writes one datagram to systemd's notify socket. A name starting
// with '@' is an abstract socket; the net package maps the '@' to the
// leading NUL byte the kernel expects.
func sdNotify(socket, msg string) error {
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: socket, Net: "unixgram"})
	if err != nil {
		return fmt.Errorf("supervisor: dial notify socket %s: %w", socket, err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(msg)); err != nil {
		return fmt.Errorf("supervisor: notify %s: %w", socket, err)
	}
	return nil
}
