package webhook

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// badRequest is an unauthenticated trigger, refused with 401.
func badRequest() *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/trigger", strings.NewReader(validBody))
	r.Header.Set("Content-Type", "application/json")
	return r
}

func TestRejectionFloodIsAggregated(t *testing.T) {
	f := newFixture(t, nil)
	h := f.rc.Trigger()
	for range 100 {
		requireProblem(t, serve(h, badRequest()), http.StatusUnauthorized)
	}
	get := httptest.NewRequest(http.MethodGet, "/trigger", nil)
	requireProblem(t, serve(h, get), http.StatusMethodNotAllowed)
	assert.Equal(t, []string{whyNoAuth, whyMethod}, f.target.whys(),
		"one record per reason while the interval lasts")

	// The first rejection after the interval writes the summary of the
	// last one, then is recorded itself.
	f.clock.Advance(time.Minute)
	requireProblem(t, serve(h, badRequest()), http.StatusUnauthorized)
	rej := f.target.rejections()
	require.Len(t, rej, 4)
	sum := rej[2]
	assert.Equal(t, whyNoAuth, sum.why)
	assert.Equal(t, "99", sum.req.Attrs["suppressed"])
	assert.Equal(t, "webhook:trigger", sum.req.Actor)
	assert.Equal(t, "2026-01-02T15:04:05Z", sum.req.Attrs["since"])
	assert.Equal(t, "2026-01-02T15:05:05Z", sum.req.Attrs["until"])
	assert.Equal(t, whyNoAuth, rej[3].why)
	assert.Empty(t, rej[3].req.Attrs["suppressed"])
}

func TestRejectionSummaryByTimer(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.RejectInterval = 10 * time.Second })
	h := f.rc.Trigger()
	for range 5 {
		serve(h, badRequest())
	}
	first := f.target.waitReject(t)
	assert.Equal(t, whyNoAuth, first.why)

	// No further request arrives; the timer alone writes the summary.
	f.clock.Advance(10 * time.Second)
	sum := f.target.waitReject(t)
	assert.Equal(t, whyNoAuth, sum.why)
	assert.Equal(t, "4", sum.req.Attrs["suppressed"])
}

func TestRejectionSummaryOnClose(t *testing.T) {
	f := newFixture(t, nil)
	h := f.rc.Trigger()
	for range 3 {
		serve(h, badRequest())
	}
	require.NoError(t, f.rc.Close())
	require.NoError(t, f.rc.Close(), "Close is idempotent")
	whys := f.target.whys()
	require.Len(t, whys, 2)
	assert.Equal(t, "2", f.target.rejections()[1].req.Attrs["suppressed"])
}

func TestNoSummaryWithoutSuppression(t *testing.T) {
	f := newFixture(t, nil)
	serve(f.rc.Trigger(), badRequest())
	f.clock.Advance(time.Minute)
	serve(f.rc.Trigger(), badRequest())
	require.NoError(t, f.rc.Close())
	assert.Equal(t, []string{whyNoAuth, whyNoAuth}, f.target.whys())
}
