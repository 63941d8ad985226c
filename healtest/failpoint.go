package healtest

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/selfheal/selfheal/heal"
)

// Failpoint is a named place in production code where a test can inject a
// failure. Declare one at package level and check it where the failure
// would happen:
//
//	var chargeFails = healtest.NewFailpoint("payments.charge")
//
//	func charge(ctx context.Context) error {
//		if err := chargeFails.Err(); err != nil {
//			return err
//		}
//		...
//	}
//
// When nothing is injected, or the injected fault is spent, Err costs one
// atomic load. A Failpoint is safe for concurrent use; its zero value is
// not usable.
type Failpoint struct {
	name  string
	fault atomic.Pointer[activeFault]
}

var (
	registryMu sync.Mutex
	registry   = map[string]*Failpoint{}
)

// NewFailpoint declares the failpoint called name, or returns the one
// already declared under that name.
func NewFailpoint(name string) *Failpoint {
	registryMu.Lock()
	defer registryMu.Unlock()
	if fp, ok := registry[name]; ok {
		return fp
	}
	fp := &Failpoint{name: name}
	registry[name] = fp
	return fp
}

// Failpoints returns the names of every declared failpoint, sorted, so that
// a status page or a test can list what may be injected.
func Failpoints() []string {
	registryMu.Lock()
	defer registryMu.Unlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Name returns the failpoint's name.
func (fp *Failpoint) Name() string { return fp.name }

// Err returns the injected error when the fault applies to this call, and
// nil otherwise.
func (fp *Failpoint) Err() error {
	f := fp.fault.Load()
	if f == nil {
		return nil
	}
	return f.hit(fp)
}

// Active reports whether a fault is injected and not yet exhausted.
func (fp *Failpoint) Active() bool {
	f := fp.fault.Load()
	return f != nil && !f.spent()
}

// Inject makes the failpoint return f's error until f is exhausted or the
// returned function is called. A later Inject replaces an earlier one.
func (fp *Failpoint) Inject(f Fault) (remove func()) {
	af := newActiveFault(f)
	fp.fault.Store(af)
	return func() { fp.fault.CompareAndSwap(af, nil) }
}

// Clear removes any injected fault.
func (fp *Failpoint) Clear() { fp.fault.Store(nil) }

// Inject injects f into the failpoint called name, declaring it if needed.
func Inject(name string, f Fault) (remove func()) {
	return NewFailpoint(name).Inject(f)
}

// Fault says what an injected failure returns and when it applies. The zero
// Fault never fires; set at least Err.
type Fault struct {
	// Err is returned by a call the fault applies to; usually a *heal.Error
	// so that detection sees its code.
	Err error
	// Rate is the fraction of calls that fail, in (0, 1]. Zero means every
	// call.
	Rate float64
	// Calls bounds how many calls fail in all. Zero means no bound.
	Calls int
	// For bounds how long the fault lasts on Clock. Zero means until it is
	// removed.
	For time.Duration
	// Clock measures For. Nil means the system clock.
	Clock heal.Clock
	// Seed makes a partial Rate reproducible. Zero means seed 1.
	Seed uint64
}

// activeFault is an injected Fault with its counters.
type activeFault struct {
	Fault
	until time.Time // zero when For is zero
	fired atomic.Int64
	mu    sync.Mutex // guards rng
	rng   *rand.Rand
}

func newActiveFault(f Fault) *activeFault {
	if f.Clock == nil {
		f.Clock = heal.SystemClock{}
	}
	af := &activeFault{Fault: f}
	if f.For > 0 {
		af.until = f.Clock.Now().Add(f.For)
	}
	seed := f.Seed
	if seed == 0 {
		seed = 1
	}
	af.rng = rand.New(rand.NewPCG(seed, seed))
	return af
}

// hit decides whether this call fails, and counts it if so. A spent fault
// uninstalls itself, so that later calls cost one atomic load again rather
// than a clock read: a fault bounded by Calls as soon as its last call is
// counted, one bounded by For on the first call after it expires.
func (f *activeFault) hit(fp *Failpoint) error {
	if f.Err == nil {
		return nil
	}
	if f.spent() {
		fp.fault.CompareAndSwap(f, nil)
		return nil
	}
	if f.Rate > 0 && f.Rate < 1 {
		f.mu.Lock()
		skip := f.rng.Float64() >= f.Rate
		f.mu.Unlock()
		if skip {
			return nil
		}
	}
	if f.Calls > 0 {
		n := f.fired.Add(1)
		if n >= int64(f.Calls) {
			fp.fault.CompareAndSwap(f, nil)
		}
		if n > int64(f.Calls) {
			return nil // concurrent calls raced past the last one
		}
	}
	return f.Err
}

func (f *activeFault) spent() bool {
	if !f.until.IsZero() && !f.Clock.Now().Before(f.until) {
		return true
	}
	return f.Calls > 0 && f.fired.Load() >= int64(f.Calls)
}

// String describes the fault for test messages.
func (f Fault) String() string {
	s := fmt.Sprintf("fail with %v", f.Err)
	if f.Rate > 0 && f.Rate < 1 {
		s += fmt.Sprintf(" at rate %.2f", f.Rate)
	}
	if f.Calls > 0 {
		s += fmt.Sprintf(" for %d call(s)", f.Calls)
	}
	if f.For > 0 {
		s += fmt.Sprintf(" for %v", f.For)
	}
	return s
}
