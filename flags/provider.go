package flags

import (
	"context"
	"sync"

	"github.com/open-feature/go-sdk/openfeature"
)

// Metadata returns the wrapped provider's metadata: the switch is
// transparent to telemetry and to event handlers.
func (s *Switch) Metadata() openfeature.Metadata { return s.inner.Metadata() }

// Hooks returns the wrapped provider's hooks.
func (s *Switch) Hooks() []openfeature.Hook { return s.inner.Hooks() }

// BooleanEvaluation resolves a killed flag to its safe value with reason
// DISABLED, and delegates any other flag to the wrapped provider.
func (s *Switch) BooleanEvaluation(ctx context.Context, flag string, def bool,
	fc openfeature.FlattenedContext) openfeature.BoolResolutionDetail {
	if e, ok := s.lookup(flag); ok {
		return disabled(e, safeValue(s, flag, def))
	}
	return s.inner.BooleanEvaluation(ctx, flag, def, fc)
}

// StringEvaluation is [Switch.BooleanEvaluation] for string flags.
func (s *Switch) StringEvaluation(ctx context.Context, flag string, def string,
	fc openfeature.FlattenedContext) openfeature.StringResolutionDetail {
	if e, ok := s.lookup(flag); ok {
		return disabled(e, safeValue(s, flag, def))
	}
	return s.inner.StringEvaluation(ctx, flag, def, fc)
}

// FloatEvaluation is [Switch.BooleanEvaluation] for float flags.
func (s *Switch) FloatEvaluation(ctx context.Context, flag string, def float64,
	fc openfeature.FlattenedContext) openfeature.FloatResolutionDetail {
	if e, ok := s.lookup(flag); ok {
		return disabled(e, safeValue(s, flag, def))
	}
	return s.inner.FloatEvaluation(ctx, flag, def, fc)
}

// IntEvaluation is [Switch.BooleanEvaluation] for integer flags.
func (s *Switch) IntEvaluation(ctx context.Context, flag string, def int64,
	fc openfeature.FlattenedContext) openfeature.IntResolutionDetail {
	if e, ok := s.lookup(flag); ok {
		return disabled(e, safeValue(s, flag, def))
	}
	return s.inner.IntEvaluation(ctx, flag, def, fc)
}

// ObjectEvaluation is [Switch.BooleanEvaluation] for object flags.
func (s *Switch) ObjectEvaluation(ctx context.Context, flag string, def any,
	fc openfeature.FlattenedContext) openfeature.InterfaceResolutionDetail {
	if e, ok := s.lookup(flag); ok {
		return disabled(e, safeValue(s, flag, def))
	}
	return s.inner.ObjectEvaluation(ctx, flag, def, fc)
}

func safeValue[T any](s *Switch, flag string, def T) T {
	if v, ok := s.safe[flag].(T); ok {
		return v
	}
	return def
}

func disabled[T any](e *entry, v T) openfeature.GenericResolutionDetail[T] {
	return openfeature.GenericResolutionDetail[T]{
		Value: v,
		ProviderResolutionDetail: openfeature.ProviderResolutionDetail{
			Reason:       openfeature.DisabledReason,
			FlagMetadata: e.meta,
		},
	}
}

// Track forwards a tracking event to the wrapped provider, if it tracks.
func (s *Switch) Track(ctx context.Context, name string, ec openfeature.EvaluationContext,
	d openfeature.TrackingEventDetails) {
	if t, ok := s.inner.(openfeature.Tracker); ok {
		t.Track(ctx, name, ec, d)
	}
}

// EventChannel returns the channel of the switch's own events (kills and
// revives) and of the wrapped provider's, relayed between Init and
// Shutdown. The channel is never closed.
func (s *Switch) EventChannel() <-chan openfeature.Event { return s.events }

// Init is [Switch.InitWithContext] without a deadline.
func (s *Switch) Init(ec openfeature.EvaluationContext) error {
	return s.InitWithContext(context.Background(), ec)
}

// InitWithContext starts relaying the wrapped provider's events and
// watching the store, then initializes the wrapped provider, if it has
// anything to initialize, and returns its error. The SDK calls it when
// the switch is registered.
func (s *Switch) InitWithContext(ctx context.Context, ec openfeature.EvaluationContext) error {
	s.run.start(s)
	switch h := s.inner.(type) {
	case openfeature.ContextAwareStateHandler:
		return h.InitWithContext(ctx, ec)
	case openfeature.StateHandler:
		return h.Init(ec)
	}
	return nil
}

// Shutdown is [Switch.ShutdownWithContext] without a deadline.
func (s *Switch) Shutdown() { _ = s.ShutdownWithContext(context.Background()) }

// ShutdownWithContext shuts the wrapped provider down, if it has anything
// to shut down, and stops the goroutines Init started. Kills stay in
// effect; a later Init starts again.
func (s *Switch) ShutdownWithContext(ctx context.Context) error {
	var err error
	switch h := s.inner.(type) {
	case openfeature.ContextAwareStateHandler:
		err = h.ShutdownWithContext(ctx)
	case openfeature.StateHandler:
		h.Shutdown()
	}
	s.run.stop()
	return err
}

// runner owns the goroutines that live between Init and Shutdown: the
// relay of the wrapped provider's events and the store watch.
type runner struct {
	mu     sync.Mutex
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func (r *runner) start(s *Switch) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cancel != nil {
		return // already running: the SDK may initialize a shared provider twice
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	if h, ok := s.inner.(openfeature.EventHandler); ok {
		r.wg.Go(func() { s.relay(ctx, h.EventChannel()) })
	}
	r.wg.Go(func() {
		if err := s.store.Watch(ctx, s.replace); err != nil && ctx.Err() == nil {
			s.log.Warn("flags: store watch stopped", "err", err)
		}
	})
}

func (r *runner) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.wg.Wait()
	r.cancel = nil
}

// relay passes the wrapped provider's events on unchanged. Unlike a kill,
// it may wait for the SDK: it runs on its own goroutine.
func (s *Switch) relay(ctx context.Context, in <-chan openfeature.Event) {
	for {
		select {
		case ev, ok := <-in:
			if !ok {
				return
			}
			select {
			case s.events <- ev:
			case <-ctx.Done():
				return
			}
		case <-ctx.Done():
			return
		}
	}
}
