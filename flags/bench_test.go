package flags

import (
	"context"
	"testing"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"
	"github.com/open-feature/go-sdk/openfeature/memprovider"
)

// The two benchmarks evaluate the same flag through an OpenFeature client,
// over the kill switch wrapping the in-memory provider and over the bare
// in-memory provider; compare them within one run. One other flag is
// killed, so the switch's map lookup is on the measured path.

func BenchmarkEvaluate(b *testing.B) {
	sw, err := New(memprovider.NewInMemoryProvider(testFlags()), Config{Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	if err := sw.Kill(context.Background(), "banner", Attribution{Actor: "bench"}); err != nil {
		b.Fatal(err)
	}
	benchEvaluate(b, sw)
}

func BenchmarkPeerOpenFeatureEvaluate(b *testing.B) {
	benchEvaluate(b, memprovider.NewInMemoryProvider(testFlags()))
}

func benchEvaluate(b *testing.B, p openfeature.FeatureProvider) {
	ctx := context.Background()
	api := isolated.NewAPI()
	if err := api.SetProviderAndWait(ctx, p); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = api.Shutdown(ctx) }()
	client := api.NewClient()
	ec := openfeature.NewEvaluationContext("user-1", map[string]any{"plan": "pro"})
	b.ReportAllocs()
	for b.Loop() {
		if !client.Boolean(ctx, "new-checkout", false, ec) {
			b.Fatal("flag off")
		}
	}
}

// TODO: through the SDK, BenchmarkEvaluate measures between 0.92 and 1.13
// times its peer (medians of interleaved runs) while the switch's own work,
// the pair below, is under 40ns of a 2.4µs evaluation. Running each side
// in its own process, alternating which goes first, would show whether the
// spread is noise or something the SDK does for a provider that handles
// state and events.

// The pair below isolates what the switch adds to one evaluation, without
// the SDK around it: the SDK's own work (hooks, context merging, its
// allocations) is most of an evaluation and most of its run-to-run noise.
// The difference between the two, divided by BenchmarkPeerOpenFeatureEvaluate,
// is the wrapper's share of a real evaluation.

func BenchmarkProviderEvaluate(b *testing.B) {
	sw, err := New(memprovider.NewInMemoryProvider(testFlags()), Config{Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	if err := sw.Kill(context.Background(), "banner", Attribution{Actor: "bench"}); err != nil {
		b.Fatal(err)
	}
	benchProvider(b, sw)
}

func BenchmarkPeerProviderEvaluate(b *testing.B) {
	benchProvider(b, memprovider.NewInMemoryProvider(testFlags()))
}

func benchProvider(b *testing.B, p openfeature.FeatureProvider) {
	ctx := context.Background()
	flat := openfeature.FlattenedContext{"targetingKey": "user-1", "plan": "pro"}
	b.ReportAllocs()
	for b.Loop() {
		if !p.BooleanEvaluation(ctx, "new-checkout", false, flat).Value {
			b.Fatal("flag off")
		}
	}
}
