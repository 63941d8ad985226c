package heal

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// Rule is a detection threshold over the reports of one (code, target):
// [AtLeast] counts failures in a sliding window, [Sustained] requires a
// failure rate to hold for a whole duration, and [Ratio] compares failures
// with the successes reported through [Healer.Success].
//
// Windows are measured in buckets of [Config.Resolution]: a window W covers
// the current, partly elapsed bucket and the whole buckets before it, so it
// spans between W minus one bucket and W.
//
// The zero Rule is invalid; [Healer.On] rejects it. Rules are plain values,
// safe to copy and share.
type Rule struct {
	kind   ruleKind
	n      int           // AtLeast: the count; Ratio: the minimum volume
	window time.Duration // the window, or the duration D of Sustained
	rate   float64       // Sustained: failures per second
	ratio  float64       // Ratio: the failure fraction to exceed
}

type ruleKind uint8

const (
	kindNone ruleKind = iota
	kindAtLeast
	kindSustained
	kindRatio
)

// AtLeast fires when at least n failures were reported within window.
func AtLeast(n int, window time.Duration) Rule {
	return Rule{kind: kindAtLeast, n: n, window: window}
}

// Sustained fires when the failure rate stayed at or above perSecond for
// all of d, the "for 2m" of an alerting rule: every bucket of
// [Config.Resolution] within d must reach the rate, so a short burst that
// averages above it does not fire.
func Sustained(perSecond float64, d time.Duration) Rule {
	return Rule{kind: kindSustained, rate: perSecond, window: d}
}

// Ratio fires when more than fraction of the operations reported within
// window failed, counting failures (reports) and successes
// ([Healer.Success]), once at least minVolume operations were seen:
// Ratio(0.05, time.Minute, 50) is "more than 5% failed in a minute, of at
// least 50 calls". It is checked when a failure is reported.
func Ratio(fraction float64, window time.Duration, minVolume int) Rule {
	return Rule{kind: kindRatio, ratio: fraction, window: window, n: minVolume}
}

// Window returns the window of the rule, or the duration of a Sustained
// rule.
func (r Rule) Window() time.Duration { return r.window }

// String describes the rule, e.g. "at least 20 in 1m0s".
func (r Rule) String() string {
	switch r.kind {
	case kindAtLeast:
		return fmt.Sprintf("at least %d in %v", r.n, r.window)
	case kindSustained:
		return fmt.Sprintf("%s/s sustained for %v", fmtFloat(r.rate), r.window)
	case kindRatio:
		return fmt.Sprintf("more than %s%% of at least %d in %v",
			fmtFloat(r.ratio*100), r.n, r.window)
	}
	return "invalid rule"
}

// MarshalText encodes the rule as its description, so that incidents and
// snapshots serialise it readably.
func (r Rule) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// validate checks the rule against the bucket width res.
func (r Rule) validate(res time.Duration) error {
	if r.kind == kindNone {
		return fmt.Errorf("heal: rule is the zero Rule; use AtLeast, Sustained or Ratio")
	}
	if r.window < res {
		return fmt.Errorf("heal: rule %v: window shorter than the resolution %v", r, res)
	}
	switch r.kind {
	case kindAtLeast:
		if r.n < 1 {
			return fmt.Errorf("heal: rule %v: count must be at least 1", r)
		}
	case kindSustained:
		if !(r.rate > 0) || math.IsInf(r.rate, 0) {
			return fmt.Errorf("heal: rule %v: rate must be positive", r)
		}
	case kindRatio:
		if !(r.ratio > 0 && r.ratio < 1) {
			return fmt.Errorf("heal: rule %v: fraction must be between 0 and 1", r)
		}
		if r.n < 1 {
			return fmt.Errorf("heal: rule %v: minimum volume must be at least 1", r)
		}
	}
	return nil
}

// compiled is a rule converted to buckets of one resolution.
type compiled struct {
	Rule
	buckets int64 // buckets in the window (or in D), at least 1
	quota   int64 // Sustained: failures each bucket must reach
	quiet   int64 // buckets below threshold before an incident resolves
}

func compile(r Rule, res, quiet time.Duration) compiled {
	c := compiled{Rule: r, buckets: ceilDiv(r.window, res)}
	if quiet <= 0 {
		quiet = r.window
	}
	c.quiet = ceilDiv(quiet, res)
	if r.kind == kindSustained {
		c.quota = int64(math.Ceil(r.rate * res.Seconds()))
		c.quota = max(c.quota, 1)
	}
	return c
}

func ceilDiv(a, b time.Duration) int64 {
	return max(int64((a+b-1)/b), 1)
}

// span is how many buckets of history the rule needs: its window plus the
// quiet period over which resolution is judged.
func (c compiled) span() int64 { return c.buckets + c.quiet + 2 }

// The functions below read a target's history through a *view, a concrete
// type rather than an interface: the view then stays on its caller's
// stack, and a report that checks the rules allocates nothing.

// sum adds failures and successes over the n buckets ending at end.
func sum(v *view, end, n int64) (f, s int64) {
	for b := end - n + 1; b <= end; b++ {
		bf, bs := v.at(b)
		f, s = f+bf, s+bs
	}
	return f, s
}

// active reports whether the rule's condition holds at the end of bucket
// end.
func (c compiled) active(v *view, end int64) bool {
	switch c.kind {
	case kindAtLeast:
		f, _ := sum(v, end, c.buckets)
		return f >= int64(c.n)
	case kindRatio:
		f, s := sum(v, end, c.buckets)
		return f+s >= int64(c.n) && float64(f) > c.ratio*float64(f+s)
	case kindSustained:
		for b := end - c.buckets + 1; b <= end; b++ {
			if f, _ := v.at(b); f < c.quota {
				return false
			}
		}
		return true
	}
	return false
}

// need returns a lower bound on how many more failures in bucket cur could
// make the rule active, or math.MaxInt64 when none could before the next
// bucket. The detector takes its slow path only once that many arrive.
func (c compiled) need(v *view, cur int64) int64 {
	switch c.kind {
	case kindAtLeast:
		f, _ := sum(v, cur, c.buckets)
		return max(int64(c.n)-f, 1)
	case kindRatio:
		// Successes only grow within a bucket, which only raises the
		// failures needed, so using today's count errs early, never late.
		// The minimum volume is left to the slow path for the same reason.
		f, s := sum(v, cur, c.buckets)
		x := int64(math.Floor(c.ratio*float64(s)/(1-c.ratio))) + 1 - f
		return max(x, 1)
	case kindSustained:
		for b := cur - c.buckets + 1; b < cur; b++ {
			if f, _ := v.at(b); f < c.quota {
				return math.MaxInt64
			}
		}
		f, _ := v.at(cur)
		return max(c.quota-f, 1)
	}
	return math.MaxInt64
}

// quietAt reports whether the rule has been inactive for its whole quiet
// period up to cur: at the end of bucket cur-quiet, where the period
// starts, and of every bucket since.
func (c compiled) quietAt(v *view, cur int64) bool {
	for b := cur - c.quiet; b <= cur; b++ {
		if c.active(v, b) {
			return false
		}
	}
	return true
}

// firstSeen returns the earliest bucket within the window ending at cur
// that holds a failure, or cur.
func (c compiled) firstSeen(v *view, cur int64) int64 {
	for b := cur - c.buckets + 1; b < cur; b++ {
		if f, _ := v.at(b); f > 0 {
			return b
		}
	}
	return cur
}
