package breaker

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// ErrUnknown is returned (wrapped) when a [Set] holds no breaker of the
// name asked for.
var ErrUnknown = errors.New("breaker: unknown breaker")

// Set is a registry of breakers by name, so that an action can find the
// breaker an incident's target names. The zero value is an empty set ready
// to use. A Set is safe for concurrent use.
type Set struct {
	mu sync.RWMutex
	m  map[string]*Breaker
}

// Add registers breakers under their names. It adds none of them if a name
// is empty or already taken.
func (s *Set) Add(bs ...*Breaker) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, b := range bs {
		if b.name == "" {
			return errors.New("breaker: set: a breaker has an empty name")
		}
		if _, dup := s.m[b.name]; dup || slices.ContainsFunc(bs[:i], sameName(b)) {
			return fmt.Errorf("breaker: set: name %q already taken", b.name)
		}
	}
	if s.m == nil {
		s.m = make(map[string]*Breaker, len(bs))
	}
	for _, b := range bs {
		s.m[b.name] = b
	}
	return nil
}

func sameName(b *Breaker) func(*Breaker) bool {
	return func(o *Breaker) bool { return o.name == b.name }
}

// Get returns the breaker named name.
func (s *Set) Get(name string) (*Breaker, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, ok := s.m[name]
	return b, ok
}

// lookup is Get with an error naming what is missing.
func (s *Set) lookup(name string) (*Breaker, error) {
	if b, ok := s.Get(name); ok {
		return b, nil
	}
	return nil, fmt.Errorf("%w %q", ErrUnknown, name)
}

// Breakers returns the breakers in the set, sorted by name.
func (s *Set) Breakers() []*Breaker {
	s.mu.RLock()
	out := make([]*Breaker, 0, len(s.m))
	for _, b := range s.m {
		out = append(out, b)
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b *Breaker) int { return strings.Compare(a.name, b.name) })
	return out
}
