package flags

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/selfheal/selfheal/heal"
)

// Config configures a [Switch]. The zero value of every field is a working
// default.
type Config struct {
	// SafeValues maps a flag to the value it resolves to while killed. The
	// value must have the type the flag is evaluated as (bool, string,
	// float64, int64, or anything for an object flag); otherwise, and for
	// flags not listed, a killed flag resolves to the caller's default.
	SafeValues map[string]any
	// Store keeps the kills. Nil means a [FileStore] at Path.
	Store Store
	// Path is the JSON file the default store keeps kills in, so that they
	// survive a restart. Empty means kills are kept in memory only. It is
	// ignored when Store is set.
	Path string
	// Logger logs kills and revives at Info. Nil means slog.Default().
	Logger *slog.Logger
	// Clock stamps kills. Nil means the system clock.
	Clock heal.Clock
}

// Attribution says who killed or revived a flag, and why.
type Attribution struct {
	// Actor is who asked: "system", "human:alice", "webhook:alertmanager".
	Actor string
	// Reason is a short explanation for operators.
	Reason string
}

// eventBuffer is how many kill and relayed events may wait for the SDK.
// The SDK drains the channel continuously once the switch is registered.
const eventBuffer = 64

// Switch is an OpenFeature provider that wraps another and can kill its
// flags. Make one with [New]; the zero value is not usable. A Switch is
// safe for concurrent use.
type Switch struct {
	inner openfeature.FeatureProvider
	safe  map[string]any
	store Store
	clock heal.Clock
	log   *slog.Logger

	// killed is read without a lock on every evaluation; the set it points
	// to is never modified, only replaced, under mu.
	killed atomic.Pointer[killSet]
	mu     sync.Mutex

	events chan openfeature.Event
	run    runner
}

// killSet is an immutable set of kills, with the metadata each killed
// evaluation returns, built once per kill.
type killSet struct {
	m map[string]*entry
}

type entry struct {
	Record
	meta openfeature.FlagMetadata
}

var _ interface {
	openfeature.FeatureProvider
	openfeature.ContextAwareStateHandler
	openfeature.EventHandler
	openfeature.Tracker
} = (*Switch)(nil)

// New returns a switch wrapping inner, with the kills its store holds
// already in effect.
func New(inner openfeature.FeatureProvider, cfg Config) (*Switch, error) {
	if inner == nil {
		return nil, errors.New("flags: new: nil provider")
	}
	s := &Switch{
		inner:  inner,
		safe:   cfg.SafeValues,
		store:  cfg.Store,
		clock:  cfg.Clock,
		log:    cfg.Logger,
		events: make(chan openfeature.Event, eventBuffer),
	}
	if s.store == nil {
		s.store = NewFileStore(cfg.Path)
	}
	if s.clock == nil {
		s.clock = heal.SystemClock{}
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if err := s.restore(); err != nil {
		return nil, err
	}
	return s, nil
}

// restore puts the stored kills into effect without announcing them: no
// client has evaluated anything yet. It always stores a set, even an empty
// one, so that lookup never meets a nil set.
func (s *Switch) restore() error {
	recs, err := s.store.Load(context.Background())
	if err != nil {
		return fmt.Errorf("flags: new: %w", err)
	}
	m := make(map[string]*entry, len(recs))
	for _, r := range recs {
		m[r.Flag] = newEntry(r)
	}
	s.killed.Store(&killSet{m: m})
	if len(recs) > 0 {
		s.log.Info("flags: kills restored", slog.Int("count", len(recs)))
	}
	return nil
}

func newEntry(r Record) *entry {
	return &entry{Record: r, meta: openfeature.FlagMetadata{
		"killedBy": r.Actor, "killReason": r.Reason, "killedAt": r.At.String(),
	}}
}

// Kill turns flag off from the next evaluation on, attributed to a, and
// announces it. A flag already killed keeps being killed, under the new
// attribution. If the store fails, the kill still takes effect in this
// process and the error says it was not stored.
//
// A kill that was not stored lasts only until the store next reports its
// set through [Store.Watch]: that set replaces the one in effect, so a
// shared store that delivers a set without the kill revives the flag,
// announced as revived by "store" like any change from elsewhere, with
// nothing to say the kill never reached the store. Act on the error
// (retry the kill, or alert) rather than rely on the local kill. The
// default [FileStore] reports no sets, so there the kill lasts until it is
// revived or the process exits.
func (s *Switch) Kill(ctx context.Context, flag string, a Attribution) error {
	if flag == "" {
		return errors.New("flags: kill: empty flag name")
	}
	r := Record{Flag: flag, Actor: a.Actor, Reason: a.Reason, At: s.clock.Now()}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.applyLocked(s.killed.Load().with(r), a)
	if err := s.store.Put(ctx, r); err != nil {
		return fmt.Errorf("flags: kill %q: in effect here but not stored: %w", flag, err)
	}
	return nil
}

// Revive ends the kill of flag, if any, and announces it. If the store
// fails, the flag is still revived in this process and the error says the
// stored kill remains; as with [Switch.Kill], the next set the store
// reports through [Store.Watch] still holds that kill and kills the flag
// again.
func (s *Switch) Revive(ctx context.Context, flag string, a Attribution) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.applyLocked(s.killed.Load().without(flag), a)
	if err := s.store.Delete(ctx, flag); err != nil {
		return fmt.Errorf("flags: revive %q: in effect here but the stored kill remains: %w",
			flag, err)
	}
	return nil
}

// Kills returns the kills in effect, in flag order.
func (s *Switch) Kills() []Record {
	m := s.killed.Load().m
	recs := make([]Record, 0, len(m))
	for _, e := range m {
		recs = append(recs, e.Record)
	}
	slices.SortFunc(recs, byFlag)
	return recs
}

// Killed returns the kill of flag, if it is killed.
func (s *Switch) Killed(flag string) (Record, bool) {
	if e, ok := s.lookup(flag); ok {
		return e.Record, true
	}
	return Record{}, false
}

// lookup is the hot path: one atomic load, and a map lookup only when
// some flag is killed.
func (s *Switch) lookup(flag string) (*entry, bool) {
	ks := s.killed.Load()
	if len(ks.m) == 0 {
		return nil, false
	}
	e, ok := ks.m[flag]
	return e, ok
}

func (ks *killSet) with(r Record) *killSet {
	m := make(map[string]*entry, len(ks.m)+1)
	for k, e := range ks.m {
		m[k] = e
	}
	m[r.Flag] = newEntry(r)
	return &killSet{m: m}
}

func (ks *killSet) without(flag string) *killSet {
	m := make(map[string]*entry, len(ks.m))
	for k, e := range ks.m {
		if k != flag {
			m[k] = e
		}
	}
	return &killSet{m: m}
}

// applyLocked puts next into effect and announces each flag whose kill
// began, changed or ended. by attributes revives, which leave no record.
// The caller holds s.mu.
func (s *Switch) applyLocked(next *killSet, by Attribution) {
	prev := s.killed.Swap(next)
	for flag, e := range next.m {
		if old, ok := prev.m[flag]; !ok || !same(old.Record, e.Record) {
			s.announce(flag, true, Attribution{Actor: e.Actor, Reason: e.Reason})
		}
	}
	for flag := range prev.m {
		if _, ok := next.m[flag]; !ok {
			s.announce(flag, false, by)
		}
	}
}

// announce logs a kill or revive and emits the configuration change the
// SDK turns into handler calls. The send never blocks: a Kill must not
// wait on a provider nobody has registered yet.
func (s *Switch) announce(flag string, killed bool, by Attribution) {
	verb := "revived"
	if killed {
		verb = "killed"
	}
	s.log.Info("flags: flag "+verb, slog.String("flag", flag),
		slog.String("actor", by.Actor), slog.String("reason", by.Reason))
	ev := openfeature.Event{
		ProviderName: s.inner.Metadata().Name,
		EventType:    openfeature.ProviderConfigChange,
		ProviderEventDetails: openfeature.ProviderEventDetails{
			Message:     fmt.Sprintf("flag %q %s by %s", flag, verb, by.Actor),
			FlagChanges: []string{flag},
			EventMetadata: map[string]any{
				"killed": killed, "actor": by.Actor, "reason": by.Reason,
			},
		},
	}
	select {
	case s.events <- ev:
	default:
		s.log.Warn("flags: event dropped: no reader", slog.String("flag", flag))
	}
}

// replace puts a set read from the store into effect; see [Store.Watch].
func (s *Switch) replace(recs []Record) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := make(map[string]*entry, len(recs))
	cur := s.killed.Load().m
	for _, r := range recs {
		if e, ok := cur[r.Flag]; ok && same(e.Record, r) {
			m[r.Flag] = e // unchanged: keep the entry, announce nothing
		} else {
			m[r.Flag] = newEntry(r)
		}
	}
	s.applyLocked(&killSet{m: m}, Attribution{Actor: "store"})
}

// same compares records by instant, not by time.Time's representation,
// which a round trip through the store changes.
func same(a, b Record) bool {
	return a.Flag == b.Flag && a.Actor == b.Actor && a.Reason == b.Reason && a.At.Equal(b.At)
}
