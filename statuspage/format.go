package statuspage

import (
	"strconv"
	"strings"
	"time"
)

// left says how long remains until t, to the second: "9m12s".
func left(now, t time.Time) string {
	d := t.Sub(now)
	if d < 0 {
		d = 0
	}
	return short(d.Round(time.Second))
}

// ago says how long ago t was: "12s ago", or "just now".
func ago(now, t time.Time) string {
	d := now.Sub(t).Round(time.Second)
	if d <= 0 {
		return "just now"
	}
	return short(d) + " ago"
}

// short formats d without the zero units time.Duration.String keeps:
// "1h0m0s" reads as "1h", "2m0s" as "2m".
func short(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func trimFloat(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

func itoa(n int) string { return strconv.Itoa(n) }
