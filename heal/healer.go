package heal

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/selfheal/selfheal/supervisor"
)

// Config configures a [Healer]. The zero value of every field is a working
// default: Config{} is a Healer over [DefaultTaxonomy] on the system
// clock, with a supervisor that audits to memory only.
type Config struct {
	// Taxonomy defines the codes the Healer counts by name. Nil means
	// [DefaultTaxonomy].
	Taxonomy *Taxonomy
	// Logger receives first-occurrence and summary lines of reported codes
	// and the Healer's own trouble (a trigger the supervisor refused, a
	// panicking subscriber). Nil means [slog.Default].
	Logger *slog.Logger
	// Clock is the source of time. Nil means [SystemClock], read by a
	// ticker once per Resolution so that reports do not read the clock;
	// only a report that fires a rule does, for the incident's time. Any
	// other clock (a test's fake one) is read on every report, so that
	// moving it takes effect at once.
	Clock Clock
	// Supervisor configures the supervisor the Healer starts. Its Clock
	// and Logger default to the Healer's.
	Supervisor supervisor.Config

	// Resolution is the width of a time bucket, the granularity of every
	// window. Zero means one second.
	Resolution time.Duration
	// MaxTargets caps the distinct targets counted per code; reports for
	// more targets count under [OverflowTarget]. Zero means 64.
	MaxTargets int
	// StormInterval is the log interval: the first report of a code in an
	// interval is logged with its attributes, then one summary line at the
	// interval's end. Zero means 10 seconds; negative turns it off.
	StormInterval time.Duration
	// StormLevel is the level of those lines. Nil means [slog.LevelWarn].
	StormLevel slog.Leveler
}

// Healer is the front door of selfheal: it counts reported failures per
// code and target, fires the rules bound by [Healer.On], and hands the
// resulting triggers to a supervisor. Make one with [New] and Close it to
// stop its goroutines. A Healer is safe for concurrent use.
type Healer struct {
	tax   *Taxonomy
	log   *slog.Logger
	clock Clock
	det   *detector
	sup   *supervisor.Supervisor
	q     *queue
	storm *storm

	mu       sync.Mutex // guards binds and serialises On
	binds    []*binding
	subs     atomic.Pointer[[]*subscriber]
	stop     chan struct{}
	flushReq chan chan struct{}
	closed   sync.Once
	wg       sync.WaitGroup
	ctx      context.Context // cancelled by Close, for probes
	cancel   context.CancelFunc
	closeErr error
}

// New starts a Healer and its supervisor.
func New(cfg Config) (*Healer, error) {
	h, err := newHealer(cfg)
	if err != nil {
		return nil, err
	}
	if err := h.startSupervisor(cfg.Supervisor); err != nil {
		return nil, err
	}
	h.start(cfg.Clock == nil)
	return h, nil
}

// newHealer builds a Healer without starting any goroutine.
func newHealer(cfg Config) (*Healer, error) {
	if cfg.Resolution < 0 || cfg.MaxTargets < 0 {
		return nil, fmt.Errorf("heal: negative Resolution %v or MaxTargets %d",
			cfg.Resolution, cfg.MaxTargets)
	}
	h := &Healer{tax: cfg.Taxonomy, log: cfg.Logger, clock: cfg.Clock,
		q: newQueue(), stop: make(chan struct{}), flushReq: make(chan chan struct{})}
	if h.tax == nil {
		h.tax = DefaultTaxonomy()
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.clock == nil {
		h.clock = SystemClock{}
	}
	h.det = newDetector(h, cfg)
	h.storm = newStorm(h, cfg)
	h.det.noteFirst = h.storm.noteFirst
	h.subs.Store(new([]*subscriber))
	h.ctx, h.cancel = context.WithCancel(context.Background())
	return h, nil
}

func newDetector(h *Healer, cfg Config) *detector {
	d := &detector{
		clock: h.clock, start: h.clock.Now(), res: cfg.Resolution,
		coarse: cfg.Clock == nil, maxTargets: cfg.MaxTargets,
		codes: make(map[Code]*codeState, h.tax.Len()),
		open:  make(map[*target]struct{}),
		emit:  func(i Incident) { h.q.push(event{inc: i}) },
	}
	if d.res == 0 {
		d.res = time.Second
	}
	if d.maxTargets == 0 {
		d.maxTargets = 64
	}
	for _, def := range h.tax.list {
		d.codes[def.Code] = newCodeState(d, def.Code, def.Severity)
	}
	// A deprecated code counts under its replacement, so rules written for
	// the new code keep seeing services that still report the old one.
	for _, def := range h.tax.list {
		if r, replaced, ok := h.tax.Resolve(def.Code); replaced && ok {
			d.codes[def.Code] = d.codes[r.Code]
		}
	}
	d.unclass = newCodeState(d, CodeUnclassified, SeverityUnknown)
	d.table = newCodeTable(d.codes)
	d.tax = h.tax
	for _, def := range h.tax.list {
		code := unsafe.StringData(string(def.Code))
		d.byPos = append(d.byPos, posEntry{code: code, cs: d.codes[def.Code]})
	}
	return d
}

func (h *Healer) startSupervisor(cfg supervisor.Config) error {
	if cfg.Clock == nil {
		cfg.Clock = h.clock
	}
	if cfg.Logger == nil {
		cfg.Logger = h.log
	}
	s, err := supervisor.New(cfg)
	if err != nil {
		return fmt.Errorf("heal: starting the supervisor: %w", err)
	}
	h.sup = s
	return nil
}

// Close stops the Healer's goroutines and its supervisor, and returns the
// supervisor's error, if any. Reports after Close are counted but act on
// nothing. Close is idempotent.
func (h *Healer) Close() error {
	h.closed.Do(func() {
		close(h.stop)
		h.cancel()
		h.wg.Wait()
		if h.sup != nil {
			h.closeErr = h.sup.Close()
		}
	})
	return h.closeErr
}

// Supervisor returns the supervisor the Healer submits triggers to, for a
// health handler, a mute or a status page.
func (h *Healer) Supervisor() *supervisor.Supervisor { return h.sup }

// Taxonomy returns the Healer's taxonomy.
func (h *Healer) Taxonomy() *Taxonomy { return h.tax }

// Known reports whether the taxonomy defines code.
func (h *Healer) Known(code string) bool {
	_, ok := h.tax.Lookup(Code(code))
	return ok
}

// On binds the codes matching pattern (an exact code, "DOMAIN-CATEGORY-*"
// or "DOMAIN-*") to action, fired by rule on each target separately. When
// several policies match a code, the most specific pattern wins; policies
// with equal patterns all apply. A nil action makes a policy that only
// reports incidents to subscribers.
//
// On may be called at any time; a policy added while reports flow takes
// effect on a target from its next bucket. It returns an error for a
// malformed pattern, an invalid rule, or an exact code the taxonomy does
// not define or has deprecated.
func (h *Healer) On(pattern string, rule Rule, action Action, opts ...Option) error {
	b, err := newBinding(pattern, rule, action, h.det.res, opts)
	if err != nil {
		return err
	}
	if err := checkExact(h.tax, b.pattern); err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.binds = append(h.binds, b)
	h.rebind()
	return nil
}

// MustOn is like [Healer.On] but panics on an error, for policies written
// as constants at start-up.
func (h *Healer) MustOn(pattern string, rule Rule, action Action, opts ...Option) {
	if err := h.On(pattern, rule, action, opts...); err != nil {
		panic(err)
	}
}

// rebind recomputes every code's winning bindings. The caller holds h.mu.
func (h *Healer) rebind() {
	h.eachCode(func(cs *codeState) {
		w := winners(h.binds, cs.code)
		if !slices.Equal(w, *cs.binds.Load()) {
			cs.binds.Store(&w)
		}
	})
}

// bindingsFor returns the bindings of code c that carry an action.
func (h *Healer) bindingsFor(c Code) []*binding {
	var out []*binding
	for _, b := range *h.det.lookup(c).binds.Load() {
		if b.action != nil {
			out = append(out, b)
		}
	}
	return out
}
