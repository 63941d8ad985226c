package heal

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// storm keeps logging proportionate to the number of codes rather than the
// number of reports: per code and interval, one line for the first report,
// with its attributes, and one summary line at the interval's end.
//
// The reporter only compares the current bucket with codeState.logNext and,
// once per interval, wins a compare-and-swap and queues a firstReport; the
// loop goroutine does the logging, so a slow log handler never holds up a
// report. That one report per code and interval pays for the rest: it
// allocates the event, and reads the code's total through codeTotal, which
// takes the lock of each of the code's targets in turn.
type storm struct {
	h        *Healer
	log      *slog.Logger
	level    slog.Leveler
	interval time.Duration
	every    int64                   // buckets per interval; 0 when off
	pending  map[*codeState]*summary // owned by the loop goroutine
}

type firstReport struct {
	cs     *codeState
	target string
	err    error // nil for a Handle
	bucket int64
	base   int64 // the code's total before this report
}

type summary struct {
	base int64 // the code's total before its first report of the interval
	due  int64 // the bucket at which the summary is written
}

func newStorm(h *Healer, cfg Config) *storm {
	s := &storm{h: h, log: h.log, level: cfg.StormLevel, interval: cfg.StormInterval,
		pending: make(map[*codeState]*summary)}
	if s.level == nil {
		s.level = slog.LevelWarn
	}
	if s.interval == 0 {
		s.interval = 10 * time.Second
	}
	if s.interval > 0 {
		s.every = ceilDiv(s.interval, h.det.res)
	} else {
		s.every = -1
	}
	return s
}

// noteFirst is called by a reporter that found its code due for a first
// line. Of the reporters racing here, the one that advances logNext queues
// the line; when storm logging is off logNext is pushed out of reach.
func (s *storm) noteFirst(cs *codeState, target string, err error, cur int64) {
	old := cs.logNext.Load()
	if cur < old {
		return
	}
	next := cur + s.every
	if s.every < 0 {
		next = 1<<62 - 1
	}
	if !cs.logNext.CompareAndSwap(old, next) || s.every < 0 {
		return
	}
	// The total is taken here rather than in the loop, which may run much
	// later, so that the summary counts exactly this interval's reports.
	s.h.q.push(event{first: &firstReport{cs: cs, target: target, err: err, bucket: cur,
		base: codeTotal(cs) - 1}})
}

// first writes the first-occurrence line and schedules the summary.
func (s *storm) first(f *firstReport) {
	if sm, ok := s.pending[f.cs]; ok {
		delete(s.pending, f.cs) // the last interval's summary is due: write it first
		s.summarize(f.cs, sm)
	}
	s.pending[f.cs] = &summary{base: f.base, due: f.bucket + s.every}
	ctx := context.Background()
	if !s.log.Enabled(ctx, s.level.Level()) {
		return
	}
	attrs := []slog.Attr{slog.String("code", string(f.cs.code)),
		slog.String("target", f.target), slog.Duration("interval", s.interval)}
	if f.err != nil {
		attrs = append(attrs, slog.Any("error", errorValue(f.err)))
	}
	s.log.LogAttrs(ctx, s.level.Level(), "heal: "+string(f.cs.code)+" reported", attrs...)
}

// errorValue logs an *Error through its LogValue (which redacts secret
// metadata) and any other error as its text.
func errorValue(err error) slog.Value {
	if e := findError(err); e != nil {
		return e.LogValue()
	}
	return slog.StringValue(err.Error())
}

// flush writes the summaries due by bucket cur. A code reported once in
// its interval gets no summary: its first line said everything.
func (s *storm) flush(cur int64) {
	for cs, sm := range s.pending {
		if cur < sm.due {
			continue
		}
		delete(s.pending, cs)
		s.summarize(cs, sm)
	}
}

func (s *storm) summarize(cs *codeState, sm *summary) {
	n := codeTotal(cs) - sm.base
	if n <= 1 {
		return
	}
	msg := fmt.Sprintf("%s x%d in the last %v", cs.code, n, s.interval)
	s.log.LogAttrs(context.Background(), s.level.Level(), msg,
		slog.String("code", string(cs.code)), slog.Int64("count", n))
}

// codeTotal is every failure reported for the code, on any target.
func codeTotal(cs *codeState) int64 {
	var n int64
	cs.eachTarget(func(t *target) {
		f, _ := t.totals()
		n += f
	})
	return n
}
