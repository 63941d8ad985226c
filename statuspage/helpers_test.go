package statuspage_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/open-feature/go-sdk/openfeature/memprovider"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/selfheal/selfheal/breaker"
	"github.com/selfheal/selfheal/flags"
	"github.com/selfheal/selfheal/heal"
	"github.com/selfheal/selfheal/healtest"
	"github.com/selfheal/selfheal/statuspage"
	"github.com/selfheal/selfheal/statuspage/failpoints"
	"github.com/selfheal/selfheal/supervisor"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	aliceToken = "alice-secret-token-0123456789"
	bobToken   = "bob-secret-token-9876543210"
	depCode    = "SVC-DEP-001"
)

var quiet = slog.New(slog.DiscardHandler)

// fixture is a healer with a recording action bound to depCode, a breaker,
// a flag switch and a fault, behind a page served on loopback. The
// supervisor's audit records go to audit.
type fixture struct {
	clk   *healtest.Clock
	h     *heal.Healer
	rec   *healtest.Recorder
	audit *healtest.AuditLog
	store *supervisor.LocalStore
	set   *breaker.Set
	sw    *flags.Switch
	page  *statuspage.Page
	srv   *httptest.Server
}

func newFixture(t *testing.T, edit func(*statuspage.Config)) *fixture {
	t.Helper()
	return newFixtureWith(t, nil, edit)
}

// newFixtureWith is newFixture with the supervisor's configuration
// adjusted by editSup first, when it is not nil.
func newFixtureWith(
	t *testing.T, editSup func(*supervisor.Config), edit func(*statuspage.Config),
) *fixture {
	t.Helper()
	f := &fixture{clk: healtest.NewClock(time.Time{}), set: &breaker.Set{},
		audit: &healtest.AuditLog{}}
	f.rec = healtest.NewRecorder(f.clk)
	store, err := supervisor.OpenLocalStore("")
	require.NoError(t, err)
	f.store = store
	supCfg := supervisor.Config{Store: store, AuditSink: f.audit}
	if editSup != nil {
		editSup(&supCfg)
	}
	f.h, err = heal.New(heal.Config{Clock: f.clk, Logger: quiet, Supervisor: supCfg})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, f.h.Close()) })
	require.NoError(t, f.h.On(depCode, heal.AtLeast(3, time.Minute), f.rec.Action("recycle")))

	require.NoError(t, f.set.Add(
		breaker.New("payments", breaker.Config{Clock: f.clk, Logger: quiet})))
	f.sw, err = flags.New(memprovider.NewInMemoryProvider(nil),
		flags.Config{Clock: f.clk, Logger: quiet})
	require.NoError(t, err)

	cfg := statuspage.Config{Healer: f.h, Breakers: f.set, Flags: f.sw, Logger: quiet,
		Faults: failpoints.New(map[string]healtest.Fault{
			"statuspage.test": {Err: f.h.Taxonomy().New(depCode, "payments", "injected")},
		}),
		Tokens: []statuspage.Token{{Secret: aliceToken, Operator: "alice"},
			{Secret: bobToken, Operator: "bob"}},
	}
	if edit != nil {
		edit(&cfg)
	}
	f.page, err = statuspage.New(cfg)
	require.NoError(t, err)
	f.srv = httptest.NewServer(f.page)
	t.Cleanup(f.srv.Close)
	return f
}

// fire reports depCode on target until the rule fires, and waits for the
// action's outcome record: the supervisor writes it on its own goroutine
// just after the action returns.
func (f *fixture) fire(t *testing.T, target string) {
	t.Helper()
	for range 3 {
		f.h.Report(f.h.Taxonomy().New(depCode, target, "upstream refused"))
	}
	f.waitRecord(t, supervisor.OutcomeOK, "recycle", target)
}

// waitRecord waits for the first audit record with outcome o on action
// and target (empty matches any) and returns it.
func (f *fixture) waitRecord(
	t *testing.T, o supervisor.Outcome, action, target string,
) supervisor.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rec, err := f.audit.WaitFor(ctx, o, action, target)
	require.NoError(t, err)
	return rec
}

// lastRecord returns the last audit record with outcome o.
func (f *fixture) lastRecord(t *testing.T, o supervisor.Outcome) supervisor.Record {
	t.Helper()
	recs := f.audit.Records()
	for i := len(recs) - 1; i >= 0; i-- {
		if recs[i].Outcome == o {
			return recs[i]
		}
	}
	t.Fatalf("no %s record in %+v", o, recs)
	return supervisor.Record{}
}

func (f *fixture) get(t *testing.T, path string) (*http.Response, string) {
	t.Helper()
	resp, err := f.srv.Client().Get(f.srv.URL + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(b)
}

func (f *fixture) state(t *testing.T) statuspage.State {
	t.Helper()
	resp, body := f.get(t, "/status.json")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	var st statuspage.State
	require.NoError(t, json.Unmarshal([]byte(body), &st))
	return st
}

// post sends a control as the page's script does: same origin, form body,
// token in the Authorization header (none when token is empty).
func (f *fixture) post(
	t *testing.T, path, token string, form url.Values, hdr map[string]string,
) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, f.srv.URL+path, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := f.srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}
