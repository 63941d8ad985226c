package webhook

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/selfheal/selfheal/heal"
	"github.com/selfheal/selfheal/supervisor"
)

// rejecter records rejections through Target.Reject without letting a
// flood of them flood the audit trail or the log. Per key (route and
// reason, a small fixed set) the first rejection in each interval is
// recorded as it is; the rest are only counted, and the count is recorded
// as one summary when the interval has ended. A summary is written by the
// next rejection after the interval, or by a timer, whichever comes first.
//
// The alternative of a token bucket per key was rejected: it would drop
// records silently, while counting keeps every request accounted for.
//
// A rejecter is safe for concurrent use. Target.Reject is called without
// its lock held.
type rejecter struct {
	target   Target
	log      *slog.Logger
	clock    heal.Clock
	interval time.Duration

	mu      sync.Mutex
	windows map[string]*window

	timer supervisor.Timer
	stop  chan struct{}
	done  chan struct{}
}

// window is one key's current interval.
type window struct {
	start      time.Time
	suppressed int
	route      string
	why        string
}

// summary is a closed window with suppressed rejections to report.
type summary struct {
	window
	end time.Time
}

func newRejecter(t Target, log *slog.Logger, c heal.Clock, interval time.Duration) *rejecter {
	r := &rejecter{
		target:   t,
		log:      log,
		clock:    c,
		interval: interval,
		windows:  make(map[string]*window),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	// The timer is armed here, not in the goroutine, so a test holding a
	// fake clock can advance it as soon as New returns.
	r.timer = c.NewTimer(interval)
	go r.run()
	return r
}

// reject records req as rejected for why on route, or counts it if a
// rejection with the same route and why was recorded this interval.
func (r *rejecter) reject(route string, req heal.Request, why string) {
	now := r.clock.Now()
	r.mu.Lock()
	due := r.collect(now, false)
	first := r.admit(route, why, now)
	r.mu.Unlock()

	r.emit(due)
	if first {
		r.target.Reject(req, why)
		r.log.Debug("webhook: rejected", "route", route, "why", why,
			"code", req.Code, "actor", req.Actor)
	}
}

// admit reports whether a rejection for route and why is the first of its
// interval, and counts it otherwise. The caller holds r.mu.
func (r *rejecter) admit(route, why string, now time.Time) bool {
	key := route + "\x00" + why
	if w, ok := r.windows[key]; ok {
		w.suppressed++
		return false
	}
	r.windows[key] = &window{start: now, route: route, why: why}
	return true
}

// collect removes the windows that ended by now (all of them when every is
// set) and returns those with suppressed rejections. The caller holds r.mu.
func (r *rejecter) collect(now time.Time, every bool) []summary {
	var due []summary
	for key, w := range r.windows {
		end := w.start.Add(r.interval)
		if !every && now.Before(end) {
			continue
		}
		delete(r.windows, key)
		if w.suppressed > 0 {
			due = append(due, summary{window: *w, end: now})
		}
	}
	return due
}

// emit records one summary per closed window.
func (r *rejecter) emit(due []summary) {
	for _, s := range due {
		n := strconv.Itoa(s.suppressed)
		req := heal.Request{
			Source: supervisor.SourceWebhook,
			Actor:  "webhook:" + s.route,
			Reason: n + " more rejections like the last recorded one",
			Attrs: map[string]string{
				"route":      s.route,
				"suppressed": n,
				"since":      s.start.UTC().Format(time.RFC3339),
				"until":      s.end.UTC().Format(time.RFC3339),
			},
		}
		r.target.Reject(req, s.why)
		r.log.LogAttrs(context.Background(), slog.LevelInfo,
			"webhook: rejections suppressed", slog.String("route", s.route),
			slog.String("why", s.why), slog.Int("count", s.suppressed))
	}
}

// flush records the summaries due at now, or all of them when every is set.
func (r *rejecter) flush(now time.Time, every bool) {
	r.mu.Lock()
	due := r.collect(now, every)
	r.mu.Unlock()
	r.emit(due)
}

// run writes summaries when the timer fires, so a flood that stops
// suddenly is still reported without waiting for the next request.
func (r *rejecter) run() {
	defer close(r.done)
	for {
		select {
		case <-r.stop:
			r.timer.Stop()
			return
		case <-r.timer.C():
			r.flush(r.clock.Now(), false)
			r.timer.Reset(r.interval)
		}
	}
}

// close stops the timer goroutine and records every pending summary, so
// no counted rejection goes unreported at shutdown.
func (r *rejecter) close() {
	close(r.stop)
	<-r.done
	r.flush(r.clock.Now(), true)
}
