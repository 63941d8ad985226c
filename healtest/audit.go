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
	rec, err := l.wait(ctx, func(r supervisor.Record) bool {
		return r.Outcome == o &&
			(action == "" || r.Action == action) &&
			(target == "" || r.Target == target)
	})
	if err != nil {
		return rec, fmt.Errorf("healtest: no %s record for action %q on %q: %w; %s",
			o, action, target, err, l.describe())
	}
	return rec, nil
}

// WaitForFunc is like [AuditLog.WaitFor] for the first record that match
// reports true for, when outcome, action and target do not say enough
// (say, only records after some instant). match is called with the log's
// lock held, so it must not call the log.
func (l *AuditLog) WaitForFunc(
	ctx context.Context, match func(supervisor.Record) bool,
) (supervisor.Record, error) {
	rec, err := l.wait(ctx, match)
	if err != nil {
		return rec, fmt.Errorf("healtest: no matching record: %w; %s", err, l.describe())
	}
	return rec, nil
}

// wait returns the first record match accepts, waiting for it to be
// written, or ctx's error when ctx ends first.
func (l *AuditLog) wait(
	ctx context.Context, match func(supervisor.Record) bool,
) (supervisor.Record, error) {
	for {
		l.mu.Lock()
		for _, r := range l.records {
			if match(r) {
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
			return supervisor.Record{}, ctx.Err()
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
