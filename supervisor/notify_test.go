package supervisor_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/selfheal/selfheal/supervisor"
)

func TestWebhookNotifierPostsSlackCompatibleJSON(t *testing.T) {
	bodies := make(chan map[string]any, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
		assert.NoError(t, json.NewDecoder(r.Body).Decode(&body))
		bodies <- body
	}))
	defer srv.Close()

	f := newFixture(t, supervisor.Config{
		Notifiers: []supervisor.Notifier{supervisor.WebhookNotifier{URL: srv.URL}},
	})
	tr := trig(&counter{name: "breaker.trip"}, "payments")
	tr.ReplacedCode = "SVC-DEP-000"
	f.do(t, tr)

	body := <-bodies
	assert.Contains(t, body["text"], "ok breaker.trip on payments for SVC-DEP-001")
	assert.Equal(t, "SVC-DEP-001", body["code"])
	assert.Equal(t, "SVC-DEP-000", body["replaced_code"])
	assert.Equal(t, "payments", body["target"])
	assert.Equal(t, "breaker.trip", body["action"])
	assert.Equal(t, "ok", body["outcome"])
	assert.Equal(t, "https://runbooks.example/SVC-DEP-001", body["runbook"])
	assert.Equal(t, false, body["needs_human"])
}

func TestWebhookNotifierFailsOnNon2xx(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "nope", http.StatusBadGateway)
	}))
	defer srv.Close()
	err := supervisor.WebhookNotifier{URL: srv.URL}.Notify(t.Context(), supervisor.Notification{})
	require.ErrorContains(t, err, "502")
}

// flakyNotifier fails its first calls, reporting the clock at each call.
type flakyNotifier struct {
	clock *fakeClock
	fails int
	calls chan time.Time
}

func (n *flakyNotifier) Notify(context.Context, supervisor.Notification) error {
	n.calls <- n.clock.Now()
	if n.fails > 0 {
		n.fails--
		return errors.New("unreachable")
	}
	return nil
}

func TestNotificationsRetryWithBackoffOnTheClock(t *testing.T) {
	clock := newClock()
	nf := &flakyNotifier{clock: clock, fails: 2, calls: make(chan time.Time, 8)}
	f := newFixture(t, supervisor.Config{Clock: clock, Notifiers: []supervisor.Notifier{nf},
		NotifyBackoff: time.Second})
	start := f.do(t, trig(&counter{name: "act"}, "x")).Time

	assert.Equal(t, start, <-nf.calls)
	clock.WaitForTimers(2) // the watchdog's and the backoff's
	clock.Advance(time.Second)
	assert.Equal(t, start.Add(time.Second), <-nf.calls)
	clock.WaitForTimers(2)
	clock.Advance(2 * time.Second)
	assert.Equal(t, start.Add(3*time.Second), <-nf.calls)
	assert.Zero(t, f.sup.Snapshot().NotificationsFailed)
}

// stuckNotifier blocks until its context ends, after telling entered.
type stuckNotifier struct{ entered chan struct{} }

func (n stuckNotifier) Notify(ctx context.Context, _ supervisor.Notification) error {
	n.entered <- struct{}{}
	<-ctx.Done()
	return ctx.Err()
}

func TestNotifyingNeverBlocksDecisions(t *testing.T) {
	nf := stuckNotifier{entered: make(chan struct{}, 1)}
	f := newFixture(t, supervisor.Config{Notifiers: []supervisor.Notifier{nf},
		NotifyQueueSize: 1})
	a := &counter{name: "act"}
	f.do(t, trig(a, "a"))
	<-nf.entered // the dispatcher is stuck on a's notification
	f.do(t, trig(a, "b"))
	for _, target := range []string{"c", "d"} {
		assert.Equal(t, supervisor.OutcomeOK, f.do(t, trig(a, target)).Outcome)
	}
	assert.Equal(t, uint64(2), f.sup.Snapshot().NotificationsDropped)
}

func TestSlogNotifierLevels(t *testing.T) {
	var h recordingHandler
	n := supervisor.SlogNotifier{Logger: newSlog(&h)}
	require.NoError(t, n.Notify(t.Context(), supervisor.Notification{Text: "fine"}))
	require.NoError(t, n.Notify(t.Context(),
		supervisor.Notification{Text: "help", NeedsHuman: true}))
	assert.Equal(t, []string{"INFO fine", "WARN help"}, h.lines)
}
