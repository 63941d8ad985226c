package statuspage

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestRelativeTimes(t *testing.T) {
	now := time.Date(2026, 1, 2, 15, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		fn       func(now, t time.Time) string
		at       time.Time
		wantText string
	}{
		{"left minutes and seconds", left, now.Add(9*time.Minute + 12*time.Second), "9m12s"},
		{"left whole minutes", left, now.Add(10 * time.Minute), "10m"},
		{"left whole hours", left, now.Add(2 * time.Hour), "2h"},
		{"left rounds to seconds", left, now.Add(1500 * time.Millisecond), "2s"},
		{"left past", left, now.Add(-time.Second), "0s"},
		{"ago seconds", ago, now.Add(-48 * time.Second), "48s ago"},
		{"ago hours and minutes", ago, now.Add(-time.Hour - 3*time.Minute), "1h3m ago"},
		{"ago now", ago, now, "just now"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.wantText, tt.fn(now, tt.at))
		})
	}
}
