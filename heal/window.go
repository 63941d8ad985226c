package heal

import (
	"math"
	"runtime"
	"sync/atomic"
	"unsafe"
)

// The hot path keeps, per target, a few stripes of counters for the
// current time bucket. Each stripe packs the bucket's tag (its index modulo
// 2^tagBits) and a count into one word, so a report is one atomic add on a
// cache line that other CPUs rarely touch. When a stripe's tag falls
// behind, the slow path swaps the word out under the target's lock and
// moves the count into the ring of past buckets.
//
// A failure word counts down rather than up: it holds how many more
// failures the stripe may take before its rules must be checked. The
// failure that passes zero borrows from the tag, so the one comparison of
// the tag after the add catches both a stripe left in an earlier bucket
// and a trigger reached, and the fast path needs no other load.
//
// A single shared counter was rejected: under RunParallel every report
// would bounce one cache line between CPUs, so two CPUs would be slower
// per report than one.
const (
	countBits = 40
	countMask = 1<<countBits - 1
	tagBits   = 64 - countBits
	tagMask   = 1<<tagBits - 1
)

// borrowed marks a failure countdown that passed zero and borrowed from
// its tag; never is the countdown of a stripe that has no trigger, the
// largest that stays clear of borrowed.
const (
	borrowed = 1 << (countBits - 1)
	never    = borrowed - 1
)

func pack(b int64, n uint64) uint64 { return uint64(b&tagMask)<<countBits | n }
func tagOf(w uint64) int64          { return int64(w >> countBits) }
func countOf(w uint64) int64        { return int64(w & countMask) }

// bucketOf returns the bucket with tag tag closest at or before ref.
func bucketOf(tag, ref int64) int64 { return ref - ((ref - tag) & tagMask) }

// stripe is one CPU's share of a target's current bucket, alone on its
// cache line.
type stripe struct {
	fail atomic.Uint64 // tag | failures left before the trigger
	succ atomic.Uint64 // tag | successes
	// armed is the failure count at which fail's countdown reads zero:
	// the count is armed minus the countdown. Guarded by the target's mu.
	armed int64
	_     [40]byte
}

// failTag returns the tag of the bucket a failure word counts, seeing
// through a borrow.
func failTag(w uint64) int64 {
	if w&countMask >= borrowed {
		return (tagOf(w) + 1) & tagMask
	}
	return tagOf(w)
}

// failures decodes w, a word of s.fail: the tag of the bucket it counts
// and the failures counted. The caller holds the target's mu.
func (s *stripe) failures(w uint64) (tag, n int64) {
	left := int64(w & countMask)
	if left >= borrowed {
		return failTag(w), s.armed + (1<<countBits - left)
	}
	return tagOf(w), s.armed - left
}

// arm sets s's failure word to bucket b with n failures counted and a
// countdown after which the step-th next failure takes the slow path. As
// reporters count down without a lock, it does so only if the word still
// holds old, the word n was read from, and reports whether it did. The
// caller holds the target's mu.
func (s *stripe) arm(old uint64, b, n, step int64) bool {
	if !s.fail.CompareAndSwap(old, pack(b, uint64(step-1))) {
		return false
	}
	s.armed = n + step - 1
	return true
}

// stripeCount is how many stripes each target gets: a power of two at
// least four times GOMAXPROCS, so that two busy goroutines rarely share
// one, capped to bound memory on large machines.
var stripeCount = func() int {
	n := 4
	for n < 4*runtime.GOMAXPROCS(0) && n < 64 {
		n *= 2
	}
	return n
}()

// pickStripe chooses a stripe for the calling goroutine in bucket cur by
// hashing the address of a variable on its stack: goroutines have
// distinct stacks, so concurrent reporters spread over the stripes and
// each keeps to its own cache line. Mixing in the bucket reshuffles the
// assignment every bucket, so two goroutines that happen to share a
// stripe do not share it for long.
//
// Go offers no cheap way to learn the current CPU. A random stripe per
// report (math/rand/v2) spread as well but cost a third of a report.
func pickStripe(s []stripe, cur int64) *stripe {
	var x byte
	h := (uint64(uintptr(unsafe.Pointer(&x))) ^ uint64(cur)<<13) * 0x9e3779b97f4a7c15
	return &s[h>>58&uint64(len(s)-1)]
}

// slot is one past bucket's totals.
type slot struct {
	b    int64 // the bucket it holds; a slot holding another is empty
	f, s int64
}

// ring holds the last len(slots) buckets, indexed by bucket modulo length.
type ring struct{ slots []slot }

func (r *ring) add(b, f, s int64) {
	if b < 0 {
		return // before the target existed
	}
	sl := &r.slots[b%int64(len(r.slots))]
	switch {
	case sl.b == b:
	case sl.b < b:
		*sl = slot{b: b}
	default:
		return // older than the ring remembers
	}
	sl.f += f
	sl.s += s
}

func (r *ring) get(b int64) (f, s int64) {
	if b < 0 {
		return 0, 0
	}
	sl := &r.slots[b%int64(len(r.slots))]
	if sl.b != b {
		return 0, 0
	}
	return sl.f, sl.s
}

// view is a target's history as rules see it: the ring for past buckets
// and the live stripes summed for the current one.
type view struct {
	ring  *ring
	cur   int64
	liveF int64
	liveS int64
}

func (v *view) at(b int64) (f, s int64) {
	f, s = v.ring.get(b)
	if b == v.cur {
		f, s = f+v.liveF, s+v.liveS
	}
	return f, s
}

// setTriggers arms each stripe to take the slow path after need more
// failures spread over all stripes: if the total grows by need, at least
// one stripe grew by ceil(need/len) and sees its trigger.
// The caller holds the target's mu and has rolled the stripes to cur.
func setTriggers(st []stripe, cur int64, need int64) {
	step := int64(never)
	if need != math.MaxInt64 {
		step = min(max((need+int64(len(st))-1)/int64(len(st)), 1), never)
	}
	for i := range st {
		s := &st[i]
		for {
			w := s.fail.Load()
			// A stripe of another bucket is left for a later report to roll.
			if tag, n := s.failures(w); tag != cur&tagMask || s.arm(w, cur, n, step) {
				break
			}
		}
	}
}
