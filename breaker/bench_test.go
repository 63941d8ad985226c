package breaker

import (
	"testing"

	"github.com/sony/gobreaker/v2"
)

// The two benchmarks measure the same call, a trivial successful function,
// through this package's breaker and through bare gobreaker with the same
// settings. Compare them as make bench does: each in a process of its own,
// alternating, medians over many runs. Most of either is gobreaker's two
// mutex sections and two reads of the system clock.

func BenchmarkExecute(b *testing.B) {
	br := New("bench", Config{Logger: quiet})
	fn := func() error { return nil }
	b.ReportAllocs()
	for b.Loop() {
		if err := br.Execute(fn); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPeerGobreakerExecute(b *testing.B) {
	cb := gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{Name: "bench"})
	fn := func() (struct{}, error) { return struct{}{}, nil }
	b.ReportAllocs()
	for b.Loop() {
		if _, err := cb.Execute(fn); err != nil {
			b.Fatal(err)
		}
	}
}
