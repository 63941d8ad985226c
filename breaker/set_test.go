package breaker

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/selfheal/selfheal/heal"
	"github.com/sony/gobreaker/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSet(t *testing.T) {
	var s Set
	a, b := New("a", Config{}), New("b", Config{})
	require.NoError(t, s.Add(b, a))

	tests := []struct {
		name string
		add  []*Breaker
		want string
	}{
		{"taken", []*Breaker{New("a", Config{})}, `breaker: set: name "a" already taken`},
		{
			"twice in one call", []*Breaker{New("c", Config{}), New("c", Config{})},
			`breaker: set: name "c" already taken`,
		},
		{"empty name", []*Breaker{New("", Config{})}, "breaker: set: a breaker has an empty name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.EqualError(t, s.Add(tt.add...), tt.want)
		})
	}
	got, ok := s.Get("a")
	require.True(t, ok)
	assert.Same(t, a, got)
	_, ok = s.Get("c")
	assert.False(t, ok, "a failed Add adds nothing")
	assert.Equal(t, []*Breaker{a, b}, s.Breakers())
}

func TestTripAction(t *testing.T) {
	trigger := heal.Trigger{
		Code: "SVC-DEP-001", Target: "payments", Actor: "system",
		Reason: "SVC-DEP-001 >= 20 in 1m",
	}
	tests := []struct {
		name    string
		mutate  func(*heal.Trigger)
		ctx     func() context.Context
		wantErr error
		held    bool
	}{
		{name: "trips the target", held: true},
		{name: "dry run", mutate: func(t *heal.Trigger) { t.DryRun = true }},
		{
			name:    "unknown target",
			mutate:  func(t *heal.Trigger) { t.Target = "ledger" },
			wantErr: ErrUnknown,
		},
		{name: "cancelled", ctx: cancelled, wantErr: context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			b, clock := newTest(t, rec)
			var set Set
			require.NoError(t, set.Add(b))
			tr := trigger
			if tt.mutate != nil {
				tt.mutate(&tr)
			}
			ctx := context.Background()
			if tt.ctx != nil {
				ctx = tt.ctx()
			}
			act := Trip(&set, 30*time.Second)
			assert.Equal(t, TripName, act.Name())

			err := act.Run(ctx, tr)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
			} else {
				require.NoError(t, err)
			}
			h, held := b.Hold()
			require.Equal(t, tt.held, held)
			if !held {
				return
			}
			assert.Equal(t, Attribution{Actor: "system", Reason: trigger.Reason}, h.Attribution)
			assert.Equal(t, clock.Now().Add(30*time.Second), h.Until)

			require.NoError(t, act.Undo(ctx, tr))
			assert.Equal(t, gobreaker.StateClosed, b.State())
			assert.Equal(t, []Kind{KindForcedOpen, KindReset}, rec.kinds())
		})
	}
}

func TestTripNilSet(t *testing.T) {
	err := Trip(nil, time.Second).Run(context.Background(), heal.Trigger{Target: "x"})
	require.Error(t, err)
	assert.False(t, errors.Is(err, ErrUnknown))
}

func cancelled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}
