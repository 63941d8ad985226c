package healtest

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/selfheal/selfheal/supervisor"
)

// AuditLog is a supervisor audit sink that keeps every record in memory,
// so that a test can wait for the supervisor's decisions and check them.
// Pass it as supervisor.Config.AuditSink (or heal.Config.Supervisor's).
//
// The zero value is ready to use; an AuditLog is safe for concurrent use.
type AuditLog struct {
	mu      sync.Mutex
	records []supervisor.Record
	changed chan struct{} // closed and replaced on every record
}

// Write keeps r. It never fails.
func (l *AuditLog) Write(r supervisor.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.records = append(l.records, r)
	if l.changed != nil {
		close(l.changed)
		l.changed = nil
	}
	return nil
}

// Records returns every record so far, in the order written.
func (l *AuditLog) Records() []supervisor.Record {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]supervisor.Record(nil), l.records...)
}

// WaitFor blocks until a record with outcome o whose action and target
// match (an empty action or target matches any) has been written, and
// returns the first such record. It fails when ctx ends first, listing the
// records that were written instead. Decisions are made on the
// supervisor's goroutines, so a test waits for this event rather than for
// time to pass.
func (l *AuditLog) WaitFor(
	ctx context.Context, o supervisor.Outcome, action, target string,
) (supervisor.Record, error) {
	for {
		l.mu.Lock()
		for _, r := range l.records {
			if r.Outcome == o &&
				(action == "" || r.Action == action) &&
				(target == "" || r.Target == target) {
				l.mu.Unlock()
				return r, nil
			}
		}
		if l.changed == nil {
			l.changed = make(chan struct{})
		}
		ch := l.changed
		l.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return supervisor.Record{}, fmt.Errorf(
				"healtest: no %s record for action %q on %q: %w; %s",
				o, action, target, ctx.Err(), l.describe())
		}
	}
}

func (l *AuditLog) describe() string {
	recs := l.Records()
	if len(recs) == 0 {
		return "no record was written"
	}
	lines := make([]string, len(recs))
	for i, r := range recs {
		lines[i] = fmt.Sprintf("\t%s %s %s on %q (actor %s)",
			r.Outcome, r.Guardrail, r.Action, r.Target, r.Actor)
	}
	return "records written:\n" + strings.Join(lines, "\n")
}
