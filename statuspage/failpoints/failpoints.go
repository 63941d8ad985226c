// Package failpoints adapts healtest failpoints to the status page's
// [statuspage.Faults], so that a demonstration can inject faults from the
// page. It lives apart from statuspage so that a service importing the page
// does not link healtest.
package failpoints

import (
	"fmt"
	"maps"
	"slices"

	"github.com/selfheal/selfheal/healtest"
	"github.com/selfheal/selfheal/statuspage"
)

// Set is a fixed set of failpoints, each with the fault an operator may
// inject into it. Only the failpoints it was made with can be injected:
// the page cannot reach any other. Make one with [New]; a Set is safe for
// concurrent use, and is immutable once made.
type Set struct {
	faults map[string]healtest.Fault
	names  []string
}

var _ statuspage.Faults = (*Set)(nil)

// New returns a set over the failpoints named by the keys of faults,
// injecting the fault each maps to. The map is copied.
func New(faults map[string]healtest.Fault) *Set {
	return &Set{faults: maps.Clone(faults), names: slices.Sorted(maps.Keys(faults))}
}

// List returns the failpoints in name order, each marked active while a
// fault is injected into it by anyone.
func (s *Set) List() []statuspage.Fault {
	out := make([]statuspage.Fault, 0, len(s.names))
	for _, n := range s.names {
		out = append(out, statuspage.Fault{Name: n, Active: healtest.NewFailpoint(n).Active(),
			Description: s.faults[n].String()})
	}
	return out
}

// Inject injects the named failpoint's fault, replacing any injected one.
func (s *Set) Inject(name string) error {
	f, ok := s.faults[name]
	if !ok {
		return fmt.Errorf("failpoints: inject %q: %w", name, statuspage.ErrUnknown)
	}
	healtest.NewFailpoint(name).Inject(f)
	return nil
}

// Clear removes whatever fault is injected into the named failpoint.
func (s *Set) Clear(name string) error {
	if _, ok := s.faults[name]; !ok {
		return fmt.Errorf("failpoints: clear %q: %w", name, statuspage.ErrUnknown)
	}
	healtest.NewFailpoint(name).Clear()
	return nil
}
