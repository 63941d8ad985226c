package supervisor

import (
	"context"
	"maps"
	"sync"
)

// Limits on what an action may attach to its audit record.
const (
	maxAnnotations      = 16
	maxAnnotationLength = 4096
)

type annotationsKey struct{}

// annotations collects what an action attaches to its record. The action
// may write from any goroutine while the worker reads at the end.
type annotations struct {
	mu    sync.Mutex
	attrs map[string]string
}

// Annotate attaches key=value to the audit record of the action running
// with ctx: a rollback's exit status and output, the pool a recycle
// replaced. Values are cut at 4 KiB and at most 16 keys are kept, since
// audit records are read by people. Outside an action, Annotate does
// nothing.
func Annotate(ctx context.Context, key, value string) {
	a, ok := ctx.Value(annotationsKey{}).(*annotations)
	if !ok {
		return
	}
	if len(value) > maxAnnotationLength {
		value = value[:maxAnnotationLength]
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, exists := a.attrs[key]; !exists && len(a.attrs) >= maxAnnotations {
		return
	}
	a.attrs[key] = value
}

// withAnnotations returns a context that collects annotations.
func withAnnotations(ctx context.Context) (context.Context, *annotations) {
	a := &annotations{attrs: map[string]string{}}
	return context.WithValue(ctx, annotationsKey{}, a), a
}

// take returns what was attached so far.
func (a *annotations) take() map[string]string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.attrs) == 0 {
		return nil
	}
	return maps.Clone(a.attrs)
}

// mergeAttrs returns base with extra laid over it, without changing
// either: base is the trigger's, which its sender may still hold.
func mergeAttrs(base, extra map[string]string) map[string]string {
	if len(extra) == 0 {
		return base
	}
	out := make(map[string]string, len(base)+len(extra))
	maps.Copy(out, base)
	maps.Copy(out, extra)
	return out
}
