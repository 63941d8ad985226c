package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/selfheal/selfheal/breaker"
	"github.com/selfheal/selfheal/heal"
	"github.com/selfheal/selfheal/healtest"
	"github.com/selfheal/selfheal/supervisor"
)

// timeline prints what happens, stamped relative to the start of the run,
// and keeps the supervisor's records so the scenario can check them.
type timeline struct {
	start time.Time
	audit healtest.AuditLog

	mu  sync.Mutex // serialises lines written to out
	out io.Writer
}

func newTimeline(out io.Writer) *timeline {
	return &timeline{start: time.Now(), out: out}
}

// printf writes one line of the timeline.
func (tl *timeline) printf(format string, args ...any) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	msg := fmt.Sprintf(format, args...)
	fmt.Fprintf(tl.out, "%7.3fs  %s\n", time.Since(tl.start).Seconds(), msg)
}

// section starts a scenario's part of the timeline.
func (tl *timeline) section(title string) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	fmt.Fprintf(tl.out, "\n── %s %s\n", title, strings.Repeat("─", max(0, 64-len(title))))
}

// Write makes the timeline an audit sink: it sees every supervisor record.
func (tl *timeline) Write(r supervisor.Record) error {
	_ = tl.audit.Write(r) // never fails

	switch r.Outcome {
	case supervisor.OutcomeStarted:
		tl.printf("supervisor: %s %s started (actor %s, source %s)",
			r.Action, r.Target, r.Actor, r.Source)
	case supervisor.OutcomeSkipped:
		tl.printf("supervisor: %s %s skipped by guardrail %q (actor %s)",
			r.Action, r.Target, r.Guardrail, r.Actor)
	case supervisor.OutcomeGaveUp:
		tl.printf("supervisor: GAVE UP on %s: %s", r.Target, r.Reason)
	case supervisor.OutcomeRearmed:
		tl.printf("supervisor: %s re-armed by %s", r.Target, r.Actor)
	default:
		line := fmt.Sprintf("supervisor: %s %s %s", r.Action, r.Target, r.Outcome)
		if r.Duration > 0 {
			line += fmt.Sprintf(" in %v", r.Duration.Round(time.Microsecond))
		}
		if r.Error != "" {
			line += ": " + r.Error
		}
		tl.printf("%s", line)
	}
	return nil
}

// Notify makes the timeline a notifier: escalations show as pages.
func (tl *timeline) Notify(_ context.Context, n supervisor.Notification) error {
	if n.NeedsHuman {
		tl.printf("PAGE: %s", n.Text)
	}
	return nil
}

// incident prints detection's incidents as they open and resolve.
func (tl *timeline) incident(i heal.Incident) {
	if i.Resolved {
		tl.printf("detect: %s %s resolved", i.Code, i.Target)
		return
	}
	tl.printf("detect: %s %s fired (%d failures, rule %v)", i.Code, i.Target, i.Failures, i.Rule)
}

// breakerEvent prints breaker state changes.
func (tl *timeline) breakerEvent(e breaker.Event) {
	switch e.Kind {
	case breaker.KindForcedOpen:
		tl.printf("breaker %s: forced open by %s", e.Breaker, e.By.Actor)
	default:
		tl.printf("breaker %s: %v -> %v", e.Breaker, e.From, e.To)
	}
}

// has reports whether a record matching f was written.
func (tl *timeline) has(f func(supervisor.Record) bool) bool {
	return slices.ContainsFunc(tl.audit.Records(), f)
}

// waitFor returns the first record matching f, waiting up to d for one to
// be written.
func (tl *timeline) waitFor(d time.Duration, f func(supervisor.Record) bool) (
	supervisor.Record, bool,
) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	r, err := tl.audit.WaitForFunc(ctx, f)
	return r, err == nil
}
