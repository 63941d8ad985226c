package heal

import (
	"math"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// CodeUnclassified is the code under which the Healer counts errors that
// carry no [*Error], or carry a code its taxonomy does not define. Counting
// them under one code keeps a flood of arbitrary errors from growing memory,
// while rules and policies can still watch it.
const CodeUnclassified Code = "HEAL-UNCLASSIFIED-000"

// OverflowTarget is the target under which a code's reports are counted
// once it has [Config.MaxTargets] distinct targets, so that random targets
// cannot grow memory but still count toward the code's rules. A report that
// names OverflowTarget itself counts there too, so that no other target of
// the code can share its name.
const OverflowTarget = "(other)"

// BUG(selfheal): A target, once counted, keeps its slot for the life of
// the Healer: a service whose targets rotate (per-request hosts, say)
// fills Config.MaxTargets and counts the rest under OverflowTarget. Idle
// targets are not yet evicted.

// detector owns the counters of every code and the open incidents. Its
// hot path is [target.fail]; everything that takes a lock is its slow path.
type detector struct {
	clock  Clock
	start  time.Time     // the start of bucket 0
	res    time.Duration // bucket width
	coarse bool          // cur is kept by a ticker rather than read per report
	cur    atomic.Int64  // the current bucket, when coarse

	maxTargets int
	codes      map[Code]*codeState // immutable after New
	table      codeTable           // codes, for Report's lookup
	tax        *Taxonomy           // the taxonomy byPos follows
	byPos      []posEntry          // codes by position in tax, for errors it made
	unclass    *codeState
	emit       func(Incident) // hands an event to the Healer without blocking
	// noteFirst logs a code's first report in a log interval.
	noteFirst func(cs *codeState, target string, err error, cur int64)

	mu   sync.Mutex
	open map[*target]struct{} // targets with an open incident
	ids  atomic.Uint64
}

// now returns the current bucket. With the system clock it is an atomic
// load of a value a ticker keeps; another clock is read on every call so
// that tests with a fake clock stay deterministic.
func (d *detector) now() int64 {
	if d.coarse {
		return d.cur.Load()
	}
	return d.nowFromClock()
}

// nowFromClock is kept out of now so that now inlines into Report.
func (d *detector) nowFromClock() int64 { return d.bucket(d.clock.Now()) }

func (d *detector) bucket(t time.Time) int64 {
	if t.Before(d.start) {
		return 0
	}
	return int64(t.Sub(d.start) / d.res)
}

func (d *detector) timeOf(b int64) time.Time { return d.start.Add(time.Duration(b) * d.res) }

// lookup returns the state of c, or of CodeUnclassified when c is unknown.
func (d *detector) lookup(c Code) *codeState {
	if cs := d.table.get(string(c)); cs != nil {
		return cs
	}
	return d.unclass
}

// posEntry is a code's state found by the code's position in the
// taxonomy. code is the taxonomy's own string, compared by address.
type posEntry struct {
	code *byte
	cs   *codeState
}

// lookupError returns the state of e's code. An error made by the
// Healer's taxonomy names its position there, which spares hashing and
// comparing the code's text: the position is trusted only while e.Code
// still points at the taxonomy's own copy of the code.
func (d *detector) lookupError(e *Error) *codeState {
	if e.tax == d.tax && uint(e.pos) < uint(len(d.byPos)) {
		if p := d.byPos[e.pos]; p.code == unsafe.StringData(string(e.Code)) {
			return p.cs
		}
	}
	return d.lookup(e.Code)
}

// codeState is one code's targets and the rules bound to it.
type codeState struct {
	det      *detector
	code     Code
	severity Severity
	binds    atomic.Pointer[[]*binding]
	targets  atomic.Pointer[map[string]*target] // copied on write
	// last is a target that recently took the slow path of Report, tried
	// before the map. Only that slow path writes it, and only when it
	// changes: reporters of every target of the code read this cache
	// line, so a write per report would make them contend whenever two
	// targets take turns.
	last atomic.Pointer[target]
	// logNext is the bucket from which the next first-occurrence line may
	// be logged.
	logNext atomic.Int64

	mu       sync.Mutex             // serialises adding targets
	overflow atomic.Pointer[target] // set once, under mu
}

func newCodeState(d *detector, c Code, sev Severity) *codeState {
	cs := &codeState{det: d, code: c, severity: sev}
	cs.binds.Store(new([]*binding))
	cs.targets.Store(&map[string]*target{})
	return cs
}

// target returns the state of the named target, creating it if the code
// has room, else the overflow target.
func (cs *codeState) target(name string) *target {
	if t := cs.last.Load(); t != nil && sameString(t.name, name) {
		return t
	}
	m := cs.targets.Load()
	if t, ok := (*m)[name]; ok {
		return t
	}
	return cs.addTarget(name, m)
}

// sameString is a == b, but answers without a call when both share their
// bytes, as a target named by a constant in the reporting code does.
func sameString(a, b string) bool {
	return len(a) == len(b) && (unsafe.StringData(a) == unsafe.StringData(b) || a == b)
}

// addTarget is target's slow path, for a name missing from seen, the map
// target looked in. While no target has been added since, a storm of
// random names finds the overflow target without taking the lock.
func (cs *codeState) addTarget(name string, seen *map[string]*target) *target {
	o := cs.overflow.Load()
	if o != nil && cs.targets.Load() == seen && cs.overflows(name, *seen) {
		return o
	}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	old := *cs.targets.Load()
	if t, ok := old[name]; ok {
		return t
	}
	if cs.overflows(name, old) {
		if cs.overflow.Load() == nil {
			cs.overflow.Store(newTarget(cs, OverflowTarget))
		}
		return cs.overflow.Load()
	}
	m := make(map[string]*target, len(old)+1)
	for k, v := range old {
		m[k] = v
	}
	t := newTarget(cs, name)
	m[name] = t
	cs.targets.Store(&m)
	return t
}

// overflows reports whether a report naming name, which targets does not
// hold, counts under the overflow target.
func (cs *codeState) overflows(name string, targets map[string]*target) bool {
	return name == OverflowTarget || len(targets) >= cs.det.maxTargets
}

// eachTarget calls fn for every target of the code, overflow included.
func (cs *codeState) eachTarget(fn func(*target)) {
	for _, t := range *cs.targets.Load() {
		fn(t)
	}
	if o := cs.overflow.Load(); o != nil {
		fn(o)
	}
}

// target is the counters and rule states of one (code, target).
type target struct {
	name    string
	cs      *codeState
	stripes []stripe

	mu         sync.Mutex // guards everything below; taken only off the hot path
	latest     int64      // the latest bucket seen
	ring       ring
	totF, totS int64       // all failures and successes moved out of the stripes
	binds      *[]*binding // the bindings states is aligned with
	states     []ruleState
}

// ruleState is one binding's incident on one target.
type ruleState struct {
	open    *Incident // nil while the rule has not fired
	firedAt int64
}

func newTarget(cs *codeState, name string) *target {
	t := &target{name: name, cs: cs, stripes: make([]stripe, stripeCount)}
	t.ring.slots = make([]slot, minRing)
	for i := range t.ring.slots {
		t.ring.slots[i].b = -1
	}
	t.mu.Lock()
	t.latest = cs.det.now()
	// Tag the stripes with the bucket before, so that the first report
	// takes the slow path like the first report of every later bucket.
	for i := range t.stripes {
		t.stripes[i].arm(0, t.latest-1, 0, never) // a new word is zero, seen by no reporter yet
		t.stripes[i].succ.Store(pack(t.latest-1, 0))
	}
	t.syncRules()
	t.mu.Unlock()
	return t
}

// minRing is the history every target keeps, for rates on a status page.
const minRing = 16

// The hot path of a failure report is written out in Report and
// Handle.Report rather than called, because a call is a measurable part of
// its cost and it is too large for the compiler to inline:
//
//	s := pickStripe(t.stripes, cur)
//	if w := s.fail.Add(^uint64(0)); tagOf(w) != cur&tagMask {
//		t.failSlow(cur, s, w, err)
//	}
//
// That is a stripe chosen by hashing, one atomic add and one comparison.
// One race costs a little latency, never a count: a reporter that read the
// bucket just before it changed, and whose add passes the trigger of a
// stripe already rolled to the new bucket, borrows that tag down to its
// own and stays on the fast path. The next report of the new bucket in
// that stripe sees the borrow and checks the rules.

// failSlow finishes a failure report, err (nil from a Handle), whose
// atomic add on s returned w with another tag than cur's: either the
// stripe was left in an earlier bucket, or the countdown passed zero and
// the rules must be checked. The first report of every bucket in a stripe
// comes here, which is also where a first-occurrence log line may fall
// due: a line is only ever due from a new bucket on.
func (t *target) failSlow(cur int64, s *stripe, w uint64, err error) {
	t.mu.Lock()
	prev := t.roll(cur)
	tag := failTag(w)
	stale := tag != t.latest&tagMask || wrapped(prev, t.latest)
	if stale {
		// The failure went into a word of an earlier bucket, which a roll
		// has moved into the ring: move it to the current bucket.
		t.ring.add(bucketOf(tag, prev), -1, 0)
		t.totF--
		s.fail.Add(^uint64(0))
	}
	t.evaluate()
	t.mu.Unlock()

	// A report by name (err is set) makes its target the one Report
	// tries first. This runs at most once per stripe and bucket, or as a
	// rule nears its threshold, so a code's targets take turns in the
	// cache without a write on every report.
	if err != nil && t.cs.last.Load() != t {
		t.cs.last.Store(t)
	}
	// Logging reads every target's totals, so it runs without t.mu.
	if stale && cur >= t.cs.logNext.Load() {
		t.cs.det.noteFirst(t.cs, t.name, err, cur)
	}
}

// succeed counts one success in bucket cur.
func (t *target) succeed(cur int64) {
	s := pickStripe(t.stripes, cur)
	if tagOf(s.succ.Load()) != cur&tagMask {
		t.succeedSlow(cur, s)
		return
	}
	s.succ.Add(1)
}

// succeedSlow counts a success whose stripe belongs to an earlier bucket:
// it rolls the stripes over, counts, and checks the rules.
func (t *target) succeedSlow(cur int64, s *stripe) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.roll(cur)
	s.succ.Add(1)
	t.evaluate()
}

// roll moves the counts of stripes left in earlier buckets into the ring,
// each at the bucket it counted, and returns the latest bucket before the
// roll. The caller holds t.mu.
//
// Every word holds the bucket t.latest had when it was last rolled or
// armed, or the one before, so a tag names the bucket at or just before
// prev that carries it, even when the target has been idle for longer than
// tags can tell apart.
func (t *target) roll(cur int64) (prev int64) {
	prev = t.latest
	t.latest = max(prev, cur)
	tag := t.latest & tagMask
	// After a long idle gap, a word's tag can equal the current bucket's:
	// then every word is rolled, whatever its tag says.
	all := wrapped(prev, t.latest)
	for i := range t.stripes {
		s := &t.stripes[i]
		if all || failTag(s.fail.Load()) != tag {
			old := s.fail.Swap(pack(t.latest, never-1))
			oldTag, n := s.failures(old)
			s.armed = never - 1
			if n > 0 {
				t.ring.add(bucketOf(oldTag, prev), n, 0)
				t.totF += n
			}
		}
		if w := s.succ.Load(); all || tagOf(w) != tag {
			old := s.succ.Swap(pack(t.latest, 0))
			if n := countOf(old); n > 0 {
				t.ring.add(bucketOf(tagOf(old), prev), 0, n)
				t.totS += n
			}
		}
	}
	return prev
}

// wrapped reports whether words a roll left at bucket prev (or the one
// before) may carry the tag of bucket cur, which tags cannot tell apart
// once they are 2^tagBits buckets or more apart.
//
// The fast path compares tags only, so it is fooled where a roll is not: a
// report in a bucket whose tag equals that of the target's last bucket, or
// of the bucket before (which a word past its trigger shows), adds to the
// old word without taking the slow path, and so do the reports after it
// on that stripe until one reaches a rule's trigger or the bucket ends.
// The roll that follows moves them into the old bucket: they count in the
// totals but are missing from the windows. That needs a target idle for
// 2^tagBits buckets (194 days at one-second resolution, 4.7 hours at one
// millisecond) that resumes in one of two buckets out of 2^tagBits. After
// such a gap, too, a report whose word another report rolled before it
// took the lock resolves its tag against the new bucket, not the old, and
// may leave the windows one failure short.
func wrapped(prev, cur int64) bool { return cur-prev >= tagMask }

// view returns the history with the live counts of the current bucket.
// It is returned by value so that it stays on the caller's stack. The
// caller holds t.mu and has rolled.
func (t *target) view() view {
	v := view{ring: &t.ring, cur: t.latest}
	for i := range t.stripes {
		s := &t.stripes[i]
		_, f := s.failures(s.fail.Load())
		v.liveF += f
		v.liveS += countOf(s.succ.Load())
	}
	return v
}

// evaluate fires the rules that became active and re-arms the stripes'
// triggers. The caller holds t.mu and has rolled.
func (t *target) evaluate() {
	t.syncRules()
	v := t.view()
	need := int64(math.MaxInt64)
	for i, b := range *t.binds {
		st := &t.states[i]
		if st.open != nil {
			continue
		}
		if b.rule.active(&v, v.cur) {
			t.fire(b, st, &v)
			continue
		}
		need = min(need, b.rule.need(&v, v.cur))
	}
	setTriggers(t.stripes, v.cur, need)
}

// fire opens an incident. The caller holds t.mu.
func (t *target) fire(b *binding, st *ruleState, v *view) {
	d := t.cs.det
	f, s := sum(v, v.cur, b.rule.buckets)
	inc := Incident{
		ID:        "inc-" + strconv.FormatUint(d.ids.Add(1), 10),
		Code:      t.cs.code,
		Target:    t.name,
		Rule:      b.rule.Rule,
		Policy:    b.name,
		Failures:  f,
		Successes: s,
		Window:    b.rule.window,
		FirstSeen: d.timeOf(b.rule.firstSeen(v, v.cur)),
		LastSeen:  d.clock.Now(),
		binding:   b,
		target:    t,
	}
	st.open, st.firedAt = &inc, v.cur
	d.mu.Lock()
	d.open[t] = struct{}{}
	d.mu.Unlock()
	d.emit(inc)
}

// sweep resolves the target's incidents whose rules have been quiet for
// their quiet period, and reports whether any stays open.
func (t *target) sweep(cur int64, now time.Time) (open bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.roll(cur)
	t.syncRules()
	v := t.view()
	for i, b := range *t.binds {
		st := &t.states[i]
		if st.open == nil {
			continue
		}
		if v.cur-st.firedAt < b.rule.quiet || !b.rule.quietAt(&v, v.cur) {
			continue
		}
		res := *st.open
		res.Resolved, res.ResolvedAt = true, now
		res.Failures, res.Successes = sum(&v, v.cur, b.rule.buckets)
		st.open = nil
		t.cs.det.emit(res)
	}
	t.evaluate()
	open = slices.ContainsFunc(t.states, func(st ruleState) bool { return st.open != nil })
	if !open {
		// Under t.mu, so that a rule firing concurrently cannot be forgotten.
		d := t.cs.det
		d.mu.Lock()
		delete(d.open, t)
		d.mu.Unlock()
	}
	return open
}

// cleared reports whether b's condition no longer holds on the target, for
// a trigger's Verify.
func (t *target) cleared(b *binding) bool {
	cur := t.cs.det.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.roll(cur)
	v := t.view()
	return !b.rule.active(&v, v.cur)
}

// syncRules aligns the rule states with the code's current bindings, which
// On may have changed, and grows the ring to the history they need. The
// caller holds t.mu.
func (t *target) syncRules() {
	binds := t.cs.binds.Load()
	if binds == t.binds {
		return
	}
	old := make(map[*binding]ruleState, len(t.states))
	if t.binds != nil {
		for i, b := range *t.binds {
			old[b] = t.states[i]
		}
	}
	t.binds = binds
	t.states = make([]ruleState, len(*binds))
	span := int64(minRing)
	for i, b := range *binds {
		t.states[i] = old[b]
		span = max(span, b.rule.span())
	}
	t.growRing(span)
}

func (t *target) growRing(n int64) {
	if n <= int64(len(t.ring.slots)) {
		return
	}
	r := ring{slots: make([]slot, n)}
	for i := range r.slots {
		r.slots[i].b = -1
	}
	for _, sl := range t.ring.slots {
		if sl.b >= 0 {
			r.add(sl.b, sl.f, sl.s)
		}
	}
	t.ring = r
}

// totals returns every failure and success counted on the target.
func (t *target) totals() (f, s int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	f, s = t.totF, t.totS
	for i := range t.stripes {
		st := &t.stripes[i]
		_, n := st.failures(st.fail.Load())
		f += n
		s += countOf(st.succ.Load())
	}
	return f, s
}

// recent returns the failures and successes over the last n buckets,
// the current one included.
func (t *target) recent(cur int64, n int64) (f, s int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.roll(cur)
	v := t.view()
	return sum(&v, v.cur, n)
}

// sweep resolves what can be resolved across every target with an open
// incident.
func (d *detector) sweep(now time.Time) {
	cur := d.bucket(now)
	d.mu.Lock()
	ts := make([]*target, 0, len(d.open))
	for t := range d.open {
		ts = append(ts, t)
	}
	d.mu.Unlock()
	for _, t := range ts {
		t.sweep(cur, now)
	}
}
