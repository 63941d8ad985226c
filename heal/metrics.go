package heal

import (
	"slices"
	"strings"
	"time"
)

// Count is the running total of reports for one code and target since
// the Healer started.
type Count struct {
	Code      Code
	Severity  Severity // from the taxonomy; SeverityUnknown for CodeUnclassified
	Target    string
	Failures  int64
	Successes int64
}

// Counter is what a metrics adapter reads: running totals per code,
// severity and target, pulled when the metrics are scraped so that
// reporting pays nothing for them. [*Healer] implements it; package
// promheal adapts it to Prometheus.
type Counter interface {
	// Counts calls yield with the totals of every (code, target) reported
	// so far.
	Counts(yield func(Count))
}

// Counts implements [Counter]. The number of targets per code is bounded
// by [Config.MaxTargets], so the number of series is too.
func (h *Healer) Counts(yield func(Count)) {
	h.eachCode(func(cs *codeState) {
		cs.eachTarget(func(t *target) {
			f, s := t.totals()
			yield(Count{Code: cs.code, Severity: cs.severity, Target: t.name,
				Failures: f, Successes: s})
		})
	})
}

// eachCode calls fn once per counted code, in the taxonomy's order and
// then CodeUnclassified. A deprecated code is skipped: it shares its
// replacement's state.
func (h *Healer) eachCode(fn func(*codeState)) {
	for _, def := range h.tax.list {
		if cs := h.det.codes[def.Code]; cs.code == def.Code {
			fn(cs)
		}
	}
	fn(h.det.unclass)
}

// Snapshot is the Healer's state for a status page.
type Snapshot struct {
	// Time is when the snapshot was taken.
	Time time.Time
	// Codes lists each (code, target) reported so far.
	Codes []CodeStatus
	// Policies lists the policies in the order On made them.
	Policies []PolicyStatus
	// Open lists the incidents that have fired and not yet resolved.
	Open []Incident
}

// CodeStatus is one (code, target) in a [Snapshot].
type CodeStatus struct {
	Count
	// Rate is the failures per second over the last RateWindow.
	Rate       float64
	RateWindow time.Duration
	// Policies names the policies that apply to the code.
	Policies []string
}

// PolicyStatus is one policy in a [Snapshot].
type PolicyStatus struct {
	Name    string
	Pattern string
	Rule    string
	Action  string
}

// Snapshot returns the current counts, rates, policies and open incidents.
func (h *Healer) Snapshot() Snapshot {
	now := h.clock.Now()
	cur := h.det.bucket(now)
	snap := Snapshot{Time: now}
	h.eachCode(func(cs *codeState) {
		snap.Codes = append(snap.Codes, h.codeStatus(cs, cur)...)
	})
	h.mu.Lock()
	for _, b := range h.binds {
		snap.Policies = append(snap.Policies, PolicyStatus{Name: b.name,
			Pattern: b.pattern.String(), Rule: b.rule.String(), Action: actionName(b.action)})
	}
	h.mu.Unlock()
	snap.Open = h.openIncidents()
	return snap
}

func (h *Healer) codeStatus(cs *codeState, cur int64) []CodeStatus {
	var names []string
	for _, b := range *cs.binds.Load() {
		names = append(names, b.name)
	}
	span := time.Duration(minRing) * h.det.res
	var out []CodeStatus
	cs.eachTarget(func(t *target) {
		f, s := t.totals()
		rf, _ := t.recent(cur, minRing)
		out = append(out, CodeStatus{
			Count: Count{Code: cs.code, Severity: cs.severity, Target: t.name,
				Failures: f, Successes: s},
			Rate: float64(rf) / span.Seconds(), RateWindow: span, Policies: names,
		})
	})
	slices.SortFunc(out, func(a, b CodeStatus) int { return strings.Compare(a.Target, b.Target) })
	return out
}

// openIncidents lists the open incidents, oldest first.
func (h *Healer) openIncidents() []Incident {
	d := h.det
	d.mu.Lock()
	ts := make([]*target, 0, len(d.open))
	for t := range d.open {
		ts = append(ts, t)
	}
	d.mu.Unlock()
	var out []Incident
	for _, t := range ts {
		t.mu.Lock()
		for _, st := range t.states {
			if st.open != nil {
				out = append(out, *st.open)
			}
		}
		t.mu.Unlock()
	}
	slices.SortFunc(out, func(a, b Incident) int { return a.LastSeen.Compare(b.LastSeen) })
	return out
}
