package supervisor

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/selfheal/selfheal/internal/atomicfile"
)

// Store keeps the guardrail state that must outlive one decision and,
// ideally, one process: cooldowns, intensity counts, give-ups and the mute.
// Every operation is small enough for a shared store (Redis, say) to do
// atomically, so that later a fleet of replicas can share one guardrail.
//
// The supervisor calls a Store from its decision goroutine and from
// operators' calls (Mute, Rearm), so implementations must be safe for
// concurrent use. The default is a [LocalStore].
type Store interface {
	// ClaimCooldown claims key until the instant until, provided no earlier
	// claim on key is still in force at now, and reports whether it did.
	// A claim ends at its instant: at now == until the key is free.
	ClaimCooldown(key string, now, until time.Time) (ok bool, err error)
	// CooldownUntil returns when key's cooldown ends; zero when none is
	// recorded.
	CooldownUntil(key string) (time.Time, error)
	// AddAttempt records an attempt on target at now and returns how many
	// attempts on target fall within the window ending at now.
	AddAttempt(target string, now time.Time, window time.Duration) (int, error)
	// Attempts counts the attempts on target within the window ending at
	// now, without recording one.
	Attempts(target string, now time.Time, window time.Duration) (int, error)
	// GiveUp marks target as given up. GivenUp reports the mark.
	GiveUp(target string, g GiveUp) error
	// GivenUp returns target's give-up mark and whether it has one.
	GivenUp(target string) (GiveUp, bool, error)
	// Rearm clears target's give-up mark and its attempts.
	Rearm(target string) error
	// SetMute replaces the mute; the zero Mute clears it.
	SetMute(m Mute) error
	// Mute returns the mute, the zero Mute when none is set.
	Mute() (Mute, error)
	// State returns a copy of everything, for status pages.
	State() (StoreState, error)
}

// Mute stops all automation until an instant. The zero value is no mute.
type Mute struct {
	Until  time.Time `json:"until"`
	Reason string    `json:"reason,omitempty"`
	By     string    `json:"by,omitempty"`
	At     time.Time `json:"at"`
}

// ActiveAt reports whether the mute is in force at now.
func (m Mute) ActiveAt(now time.Time) bool { return now.Before(m.Until) }

// GiveUp records why the supervisor stopped automating a target.
type GiveUp struct {
	At     time.Time `json:"at"`
	Reason string    `json:"reason"`
}

// StoreState is a plain copy of a [Store]'s contents.
type StoreState struct {
	Cooldowns map[string]time.Time   `json:"cooldowns,omitempty"` // by CooldownKey
	Attempts  map[string][]time.Time `json:"attempts,omitempty"`  // by target, oldest first
	GivenUp   map[string]GiveUp      `json:"given_up,omitempty"`  // by target
	Mute      Mute                   `json:"mute"`
}

// CooldownKey returns the key under which the cooldown of action on target
// is stored. SplitCooldownKey reverses it.
func CooldownKey(action, target string) string { return action + "\t" + target }

// SplitCooldownKey returns the action and target of a [CooldownKey].
func SplitCooldownKey(key string) (action, target string) {
	action, target, _ = strings.Cut(key, "\t")
	return action, target
}

// LocalStore is the default [Store]: guardrail state in memory, written
// after every change to a JSON file (when it has a path) through a temporary
// file, fsync and rename, so a crash leaves either the old state or the
// new. It is safe for concurrent use. Make one with [OpenLocalStore].
type LocalStore struct {
	mu   sync.Mutex
	path string
	st   StoreState
}

// OpenLocalStore returns a store kept at path, restoring what a previous
// process saved there. An empty path keeps the state in memory only.
func OpenLocalStore(path string) (*LocalStore, error) {
	s := &LocalStore{path: path, st: emptyState()}
	if path == "" {
		return s, nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("supervisor: read state: %w", err)
	}
	if err := json.Unmarshal(b, &s.st); err != nil {
		return nil, fmt.Errorf("supervisor: state file %s: %w", path, err)
	}
	s.st = fill(s.st)
	return s, nil
}

func emptyState() StoreState { return fill(StoreState{}) }

// fill makes the maps of st non-nil.
func fill(st StoreState) StoreState {
	if st.Cooldowns == nil {
		st.Cooldowns = map[string]time.Time{}
	}
	if st.Attempts == nil {
		st.Attempts = map[string][]time.Time{}
	}
	if st.GivenUp == nil {
		st.GivenUp = map[string]GiveUp{}
	}
	return st
}

// ClaimCooldown implements [Store].
func (s *LocalStore) ClaimCooldown(key string, now, until time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u, ok := s.st.Cooldowns[key]; ok && now.Before(u) {
		return false, nil
	}
	s.pruneCooldowns(now)
	s.st.Cooldowns[key] = until
	return true, s.save()
}

// pruneCooldowns forgets cooldowns over by now, so the state stays as small
// as the set of recent actions. The caller holds s.mu.
func (s *LocalStore) pruneCooldowns(now time.Time) {
	for k, u := range s.st.Cooldowns {
		if !now.Before(u) {
			delete(s.st.Cooldowns, k)
		}
	}
}

// CooldownUntil implements [Store].
func (s *LocalStore) CooldownUntil(key string) (time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.Cooldowns[key], nil
}

// AddAttempt implements [Store].
func (s *LocalStore) AddAttempt(target string, now time.Time, window time.Duration) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := append(within(s.st.Attempts[target], now, window), now)
	s.st.Attempts[target] = a
	for t, old := range s.st.Attempts {
		if len(within(old, now, window)) == 0 {
			delete(s.st.Attempts, t) // targets long quiet must not grow the file
		}
	}
	return len(a), s.save()
}

// Attempts implements [Store].
func (s *LocalStore) Attempts(target string, now time.Time, window time.Duration) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(within(s.st.Attempts[target], now, window)), nil
}

// within returns the instants of a in the window (now-window, now].
func within(a []time.Time, now time.Time, window time.Duration) []time.Time {
	from := now.Add(-window)
	i := 0
	for i < len(a) && !a[i].After(from) {
		i++
	}
	return a[i:]
}

// GiveUp implements [Store].
func (s *LocalStore) GiveUp(target string, g GiveUp) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.GivenUp[target] = g
	return s.save()
}

// GivenUp implements [Store].
func (s *LocalStore) GivenUp(target string) (GiveUp, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.st.GivenUp[target]
	return g, ok, nil
}

// Rearm implements [Store].
func (s *LocalStore) Rearm(target string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.st.GivenUp, target)
	delete(s.st.Attempts, target)
	return s.save()
}

// SetMute implements [Store].
func (s *LocalStore) SetMute(m Mute) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.Mute = m
	return s.save()
}

// Mute implements [Store].
func (s *LocalStore) Mute() (Mute, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.Mute, nil
}

// State implements [Store].
func (s *LocalStore) State() (StoreState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := StoreState{
		Cooldowns: maps.Clone(s.st.Cooldowns),
		Attempts:  make(map[string][]time.Time, len(s.st.Attempts)),
		GivenUp:   maps.Clone(s.st.GivenUp),
		Mute:      s.st.Mute,
	}
	for k, v := range s.st.Attempts {
		st.Attempts[k] = append([]time.Time(nil), v...)
	}
	return st, nil
}

// save writes the state to s.path atomically. The caller holds s.mu.
func (s *LocalStore) save() error {
	if s.path == "" {
		return nil
	}
	b, err := json.MarshalIndent(s.st, "", "\t")
	if err != nil {
		return fmt.Errorf("supervisor: encode state: %w", err)
	}
	if err := atomicfile.WriteFile(s.path, b, 0o600); err != nil {
		return fmt.Errorf("supervisor: save state %s: %w", s.path, err)
	}
	return nil
}
