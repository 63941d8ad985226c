package webhook

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestReplayCache(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 15, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	c := newReplayCache(2)

	steps := []struct {
		op      string // "claim" or "release"
		id      string
		expiry  int // seconds after t0
		now     int
		want    claimResult
		wantLen int
	}{
		{"claim", "a", 300, 0, claimed, 1},
		{"claim", "a", 300, 10, replayed, 1},
		{"claim", "b", 200, 20, claimed, 2},
		{"claim", "c", 400, 30, full, 2},
		{"claim", "b", 200, 200, replayed, 2}, // expiry itself is still inside
		{"claim", "c", 400, 201, claimed, 2},  // b expired, making room
		{"release", "c", 0, 0, 0, 1},
		{"claim", "c", 450, 210, full, 1}, // c's old slot is held until it expires
		{"claim", "a", 600, 301, claimed, 1},
		{"claim", "c", 700, 401, claimed, 2}, // c's old slot expired
		{"claim", "c", 700, 420, replayed, 2},
	}
	for i, s := range steps {
		if s.op == "release" {
			c.release(s.id)
		} else {
			got := c.claim(s.id, at(s.expiry), at(s.now))
			assert.Equal(t, s.want, got, "step %d: claim %s", i, s.id)
		}
		assert.Equal(t, s.wantLen, c.len(), "step %d: remembered ids", i)
	}
}
