package flags

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"
	"github.com/open-feature/go-sdk/openfeature/memprovider"
	"github.com/selfheal/selfheal/heal"
	"github.com/selfheal/selfheal/healtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var quiet = slog.New(slog.DiscardHandler)

func testFlags() map[string]memprovider.InMemoryFlag {
	return map[string]memprovider.InMemoryFlag{
		"new-checkout": {Key: "new-checkout", State: memprovider.Enabled, DefaultVariant: "on",
			Variants: map[string]any{"on": true, "off": false}},
		"banner": {Key: "banner", State: memprovider.Enabled, DefaultVariant: "v2",
			Variants: map[string]any{"v2": "spring sale"}},
		"limit": {Key: "limit", State: memprovider.Enabled, DefaultVariant: "high",
			Variants: map[string]any{"high": int64(100)}},
	}
}

// serve registers sw with a fresh, isolated OpenFeature API and returns a
// client of it. Config changes the API reports are sent on the channel.
func serve(
	t *testing.T, sw openfeature.FeatureProvider,
) (*openfeature.Client, <-chan openfeature.EventDetails) {
	t.Helper()
	api := isolated.NewAPI()
	changes := make(chan openfeature.EventDetails, 16)
	cb := func(d openfeature.EventDetails) { changes <- d }
	api.AddHandler(openfeature.ProviderConfigChange, &cb)
	require.NoError(t, api.SetProviderAndWait(context.Background(), sw))
	t.Cleanup(func() { assert.NoError(t, api.Shutdown(context.Background())) })
	return api.NewClient(), changes
}

func newSwitch(t *testing.T, inner openfeature.FeatureProvider, cfg Config) *Switch {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = quiet
	}
	if cfg.Clock == nil {
		cfg.Clock = healtest.NewClock(time.Time{})
	}
	sw, err := New(inner, cfg)
	require.NoError(t, err)
	return sw
}

// next waits for the next configuration change the API delivers. Events
// cross goroutines inside the SDK, so this waits on the event, with a
// generous guard against a hang.
func next(t *testing.T, ch <-chan openfeature.EventDetails) openfeature.EventDetails {
	t.Helper()
	select {
	case d := <-ch:
		return d
	case <-time.After(10 * time.Second):
		t.Fatal("no configuration change event")
		return openfeature.EventDetails{}
	}
}

var alice = Attribution{Actor: "human:alice", Reason: "checkout errors after deploy"}

func TestKillAndReviveThroughClient(t *testing.T) {
	ctx := context.Background()
	sw := newSwitch(t, memprovider.NewInMemoryProvider(testFlags()),
		Config{SafeValues: map[string]any{"banner": "", "limit": "wrong type"}})
	client, changes := serve(t, sw)

	tests := []struct {
		flag    string
		eval    func() (any, openfeature.Reason)
		on, off any
	}{
		{"new-checkout", func() (any, openfeature.Reason) {
			d, _ := client.BooleanValueDetails(ctx, "new-checkout", false,
				openfeature.EvaluationContext{})
			return d.Value, d.Reason
		}, true, false}, // killed: the caller's default
		{"banner", func() (any, openfeature.Reason) {
			d, _ := client.StringValueDetails(ctx, "banner", "default",
				openfeature.EvaluationContext{})
			return d.Value, d.Reason
		}, "spring sale", ""}, // killed: the configured safe value
		{"limit", func() (any, openfeature.Reason) {
			d, _ := client.IntValueDetails(ctx, "limit", 10, openfeature.EvaluationContext{})
			return d.Value, d.Reason
		}, int64(100), int64(10)}, // a safe value of the wrong type is ignored
	}
	for _, tt := range tests {
		t.Run(tt.flag, func(t *testing.T) {
			v, reason := tt.eval()
			assert.Equal(t, tt.on, v)
			assert.Equal(t, openfeature.StaticReason, reason)

			require.NoError(t, sw.Kill(ctx, tt.flag, alice))
			v, reason = tt.eval() // the very next evaluation
			assert.Equal(t, tt.off, v)
			assert.Equal(t, openfeature.DisabledReason, reason)
			ev := next(t, changes)
			assert.Equal(t, []string{tt.flag}, ev.FlagChanges)
			assert.Equal(t, true, ev.EventMetadata["killed"])
			assert.Equal(t, "human:alice", ev.EventMetadata["actor"])

			require.NoError(t, sw.Revive(ctx, tt.flag, Attribution{Actor: "human:bob"}))
			v, reason = tt.eval()
			assert.Equal(t, tt.on, v)
			assert.Equal(t, openfeature.StaticReason, reason)
			ev = next(t, changes)
			assert.Equal(t, []string{tt.flag}, ev.FlagChanges)
			assert.Equal(t, false, ev.EventMetadata["killed"])
		})
	}
}

func TestKilledEvaluationCarriesAttribution(t *testing.T) {
	ctx := context.Background()
	clock := healtest.NewClock(time.Time{})
	sw := newSwitch(t, memprovider.NewInMemoryProvider(testFlags()), Config{Clock: clock})
	client, _ := serve(t, sw)
	require.NoError(t, sw.Kill(ctx, "new-checkout", alice))

	d, err := client.BooleanValueDetails(ctx, "new-checkout", false,
		openfeature.EvaluationContext{})
	require.NoError(t, err)
	assert.Equal(t, "human:alice", d.FlagMetadata["killedBy"])
	assert.Equal(t, alice.Reason, d.FlagMetadata["killReason"])

	rec, ok := sw.Killed("new-checkout")
	require.True(t, ok)
	want := Record{Flag: "new-checkout", Actor: alice.Actor, Reason: alice.Reason, At: clock.Now()}
	assert.Equal(t, want, rec)
	assert.Equal(t, []Record{rec}, sw.Kills())

	obj, err := client.ObjectValueDetails(ctx, "new-checkout", map[string]any{"x": 1},
		openfeature.EvaluationContext{})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"x": 1}, obj.Value)
	f, err := client.FloatValueDetails(ctx, "new-checkout", 0.5, openfeature.EvaluationContext{})
	require.NoError(t, err)
	assert.Equal(t, 0.5, f.Value)
	assert.Equal(t, openfeature.DisabledReason, f.Reason)
}

func TestRelaysInnerEvents(t *testing.T) {
	ctx := context.Background()
	inner := memprovider.NewInMemoryProvider(testFlags())
	sw := newSwitch(t, inner, Config{})
	client, changes := serve(t, sw)

	flags := testFlags()
	flags["new-checkout"] = memprovider.InMemoryFlag{
		Key:            "new-checkout",
		State:          memprovider.Enabled,
		DefaultVariant: "off",
		Variants:       map[string]any{"on": true, "off": false},
	}
	inner.UpdateFlags(flags)

	ev := next(t, changes)
	assert.Contains(t, ev.FlagChanges, "new-checkout")
	assert.Equal(t, "InMemoryProvider", ev.ProviderName)
	assert.False(t, client.Boolean(ctx, "new-checkout", true, openfeature.EvaluationContext{}))
}

// lifecycle is a provider that implements every optional interface the
// SDK probes, and counts what the switch forwards to it.
type lifecycle struct {
	*memprovider.InMemoryProvider
	inits, shutdowns, hookRuns atomic.Int32
	initErr                    error
}

func (p *lifecycle) Init(openfeature.EvaluationContext) error { p.inits.Add(1); return p.initErr }
func (p *lifecycle) Shutdown()                                { p.shutdowns.Add(1) }
func (p *lifecycle) Hooks() []openfeature.Hook {
	return []openfeature.Hook{countHook{p}}
}

type countHook struct{ p *lifecycle }

func (h countHook) Before(
	context.Context, openfeature.HookContext, openfeature.HookHints,
) (*openfeature.EvaluationContext, error) {
	h.p.hookRuns.Add(1)
	return nil, nil
}
func (countHook) After(
	context.Context, openfeature.HookContext, openfeature.InterfaceEvaluationDetails,
	openfeature.HookHints,
) error {
	return nil
}
func (countHook) Error(context.Context, openfeature.HookContext, error, openfeature.HookHints) {}
func (countHook) Finally(
	context.Context, openfeature.HookContext, openfeature.InterfaceEvaluationDetails,
	openfeature.HookHints,
) {
}

func TestForwardsLifecycleHooksAndTracking(t *testing.T) {
	ctx := context.Background()
	inner := &lifecycle{InMemoryProvider: memprovider.NewInMemoryProvider(testFlags())}
	sw := newSwitch(t, inner, Config{})
	api := isolated.NewAPI()
	require.NoError(t, api.SetProviderAndWait(ctx, sw))
	assert.Equal(t, int32(1), inner.inits.Load())

	client := api.NewClient()
	assert.Equal(t, openfeature.ReadyState, client.State())
	assert.True(t, client.Boolean(ctx, "new-checkout", false, openfeature.EvaluationContext{}))
	assert.Equal(t, int32(1), inner.hookRuns.Load(), "the wrapped provider's hooks run")

	client.Track(ctx, "checkout", openfeature.NewEvaluationContext("user-1", nil),
		openfeature.NewTrackingEventDetails(9.5))
	tracked := inner.TrackingEvents("checkout")
	require.Len(t, tracked, 1)
	assert.Equal(t, 9.5, tracked[0].Value)

	require.NoError(t, api.Shutdown(ctx))
	assert.Equal(t, int32(1), inner.shutdowns.Load())
}

func TestInitErrorIsForwarded(t *testing.T) {
	inner := &lifecycle{
		InMemoryProvider: memprovider.NewInMemoryProvider(nil),
		initErr:          errors.New("no config"),
	}
	sw := newSwitch(t, inner, Config{})
	api := isolated.NewAPI()
	err := api.SetProviderAndWait(context.Background(), sw)
	require.ErrorContains(t, err, "no config")
	assert.Equal(t, openfeature.ErrorState, api.NewClient().State())
	require.NoError(t, api.Shutdown(context.Background()))
}

// bare is a provider with nothing optional: no events, state or tracking.
type bare struct{ openfeature.NoopProvider }

func TestBareProvider(t *testing.T) {
	ctx := context.Background()
	sw := newSwitch(t, bare{}, Config{})
	require.NoError(t, sw.Init(openfeature.EvaluationContext{}))
	sw.Track(ctx, "x", openfeature.EvaluationContext{}, openfeature.NewTrackingEventDetails(1))
	require.NoError(t, sw.Kill(ctx, "f", alice))
	d := sw.BooleanEvaluation(ctx, "f", true, nil)
	assert.Equal(t, openfeature.DisabledReason, d.Reason)
	sw.Shutdown()
	sw.Shutdown() // idempotent
}

func TestPersistsAndRestoresKills(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kills.json")
	clock := healtest.NewClock(time.Time{})
	first := newSwitch(t, memprovider.NewInMemoryProvider(testFlags()),
		Config{Path: path, Clock: clock})
	require.NoError(t, first.Kill(ctx, "new-checkout", alice))
	require.NoError(t, first.Kill(ctx, "banner", Attribution{Actor: "system"}))
	require.NoError(t, first.Revive(ctx, "banner", Attribution{Actor: "system"}))

	// A restart: a new switch over the same file.
	second := newSwitch(t, memprovider.NewInMemoryProvider(testFlags()), Config{Path: path})
	want := []Record{
		{Flag: "new-checkout", Actor: alice.Actor, Reason: alice.Reason, At: clock.Now()},
	}
	got := second.Kills()
	require.Len(t, got, 1)
	assert.True(t, same(want[0], got[0]), "got %+v", got[0])
	client, _ := serve(t, second)
	assert.False(t, client.Boolean(ctx, "new-checkout", false, openfeature.EvaluationContext{}))

	entries, err := os.ReadDir(filepath.Dir(path))
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary files are left behind")
}

func TestRestoreFailures(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, content, want string
	}{
		{"not json", "{", "unexpected end of JSON input"},
		{"no flag", `{"kills":[{"actor":"x"}]}`, "a kill has no flag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name+".json")
			require.NoError(t, os.WriteFile(path, []byte(tt.content), 0o600))
			_, err := New(memprovider.NewInMemoryProvider(nil), Config{Path: path, Logger: quiet})
			require.ErrorContains(t, err, tt.want)
			assert.ErrorContains(t, err, "flags: new: ")
		})
	}
	_, err := New(nil, Config{})
	assert.EqualError(t, err, "flags: new: nil provider")
}

func TestStoreFailureStillKills(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "missing-dir", "kills.json")
	sw := newSwitch(t, memprovider.NewInMemoryProvider(testFlags()), Config{Path: path})
	err := sw.Kill(ctx, "new-checkout", alice)
	require.ErrorContains(t, err, "in effect here but not stored")
	_, killed := sw.Killed("new-checkout")
	assert.True(t, killed, "a broken disk must not keep a bad flag on")
	require.ErrorContains(t, sw.Revive(ctx, "new-checkout", alice), "stored kill remains")
	assert.Empty(t, sw.Kills())
	assert.EqualError(t, sw.Kill(ctx, "", alice), "flags: kill: empty flag name")
}

// chanStore is a shared store stand-in whose Watch delivers the sets a
// test sends, as another replica's kills would arrive.
type chanStore struct {
	FileStore
	sets chan []Record
}

func (s *chanStore) Watch(ctx context.Context, fn func([]Record)) error {
	for {
		select {
		case recs := <-s.sets:
			fn(recs)
		case <-ctx.Done():
			return nil
		}
	}
}

func TestWatchAppliesKillsFromElsewhere(t *testing.T) {
	ctx := context.Background()
	store := &chanStore{sets: make(chan []Record)}
	sw := newSwitch(t, memprovider.NewInMemoryProvider(testFlags()), Config{Store: store})
	client, changes := serve(t, sw)

	remote := Record{
		Flag: "banner", Actor: "human:carol", Reason: "from replica 2", At: healtest.Epoch,
	}
	store.sets <- []Record{remote}
	ev := next(t, changes)
	assert.Equal(t, []string{"banner"}, ev.FlagChanges)
	banner := func() string {
		return client.String(ctx, "banner", "default", openfeature.EvaluationContext{})
	}
	assert.Equal(t, "default", banner())

	store.sets <- []Record{remote} // no change: no event
	store.sets <- nil
	ev = next(t, changes)
	assert.Equal(t, false, ev.EventMetadata["killed"])
	assert.Equal(t, "spring sale", banner())
}

// TestWatchSetRevivesUnstoredKill pins down what Kill's doc warns of: a
// kill the store failed to keep is undone by the next set it reports.
func TestWatchSetRevivesUnstoredKill(t *testing.T) {
	ctx := context.Background()
	broken := filepath.Join(t.TempDir(), "missing-dir", "kills.json")
	store := &chanStore{FileStore: FileStore{path: broken}, sets: make(chan []Record)}
	sw := newSwitch(t, memprovider.NewInMemoryProvider(testFlags()), Config{Store: store})
	_, changes := serve(t, sw)

	require.ErrorContains(t, sw.Kill(ctx, "new-checkout", alice), "not stored")
	assert.Equal(t, true, next(t, changes).EventMetadata["killed"])

	store.sets <- nil // the shared set, which never received the kill
	ev := next(t, changes)
	assert.Equal(t, false, ev.EventMetadata["killed"])
	assert.Equal(t, "store", ev.EventMetadata["actor"])
	assert.Empty(t, sw.Kills())
}

func TestKillAction(t *testing.T) {
	trigger := heal.Trigger{Code: "DEPLOY-HEALTH-002", Target: "new-checkout", Actor: "system",
		Reason: "DEPLOY-HEALTH-002 sustained 2m"}
	tests := []struct {
		name    string
		mutate  func(*heal.Trigger)
		cancel  bool
		wantErr string
		killed  bool
	}{
		{name: "kills the target", killed: true},
		{name: "dry run", mutate: func(t *heal.Trigger) { t.DryRun = true }},
		{
			name:    "no target",
			mutate:  func(t *heal.Trigger) { t.Target = "" },
			wantErr: "flags: kill: trigger names no flag",
		},
		{name: "cancelled", cancel: true, wantErr: `flags: kill "new-checkout": context canceled`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sw := newSwitch(t, memprovider.NewInMemoryProvider(testFlags()), Config{})
			tr := trigger
			if tt.mutate != nil {
				tt.mutate(&tr)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancel {
				cancel()
			}
			act := Kill(sw)
			assert.Equal(t, KillName, act.Name())
			err := act.Run(ctx, tr)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
			} else {
				require.NoError(t, err)
			}
			rec, killed := sw.Killed(trigger.Target)
			require.Equal(t, tt.killed, killed)
			if !killed {
				return
			}
			assert.Equal(t, "system", rec.Actor)
			assert.Equal(t, trigger.Reason, rec.Reason)
			require.NoError(t, act.Undo(ctx, tr))
			assert.Empty(t, sw.Kills())
		})
	}
	assert.Error(t, Kill(nil).Run(context.Background(), trigger))
}
