package statuspage_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/selfheal/selfheal/breaker"
	"github.com/selfheal/selfheal/flags"
	"github.com/selfheal/selfheal/heal"
	"github.com/selfheal/selfheal/healtest"
	"github.com/selfheal/selfheal/statuspage"
	"github.com/selfheal/selfheal/supervisor"
)

func TestNewRejectsBadConfig(t *testing.T) {
	h, err := heal.New(heal.Config{Clock: healtest.NewClock(time.Time{}), Logger: quiet})
	require.NoError(t, err)
	defer h.Close()
	tests := []struct {
		name string
		cfg  statuspage.Config
		want string
	}{
		{"no healer", statuspage.Config{}, "Healer is nil"},
		{"short token", statuspage.Config{Healer: h,
			Tokens: []statuspage.Token{{Secret: "short", Operator: "alice"}}}, "shorter than 16"},
		{"no operator", statuspage.Config{Healer: h,
			Tokens: []statuspage.Token{{Secret: aliceToken}}}, "names no operator"},
		{"negative tail", statuspage.Config{Healer: h, AuditTail: -1}, "negative AuditTail"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := statuspage.New(tt.cfg)
			require.ErrorContains(t, err, tt.want)
			assert.True(t, strings.HasPrefix(err.Error(), "statuspage: "), err.Error())
		})
	}
}

func TestJSONShowsIncidentCooldownAndAudit(t *testing.T) {
	f := newFixture(t, nil)
	f.fire(t, "payments")
	f.clk.Advance(48 * time.Second)

	st := f.state(t)
	assert.Equal(t, "selfheal status", st.Title)
	assert.True(t, st.Health.Healthy)
	assert.True(t, st.Controls)
	require.Len(t, st.Incidents, 1)
	assert.Equal(t, depCode, st.Incidents[0].Code)
	assert.Equal(t, "payments", st.Incidents[0].Target)
	assert.Equal(t, "48s ago", st.Incidents[0].Ago)
	require.Len(t, st.Guardrails.Cooldowns, 1)
	assert.Equal(t, statuspage.Cooldown{Action: "recycle", Target: "payments",
		Until: healtest.Epoch.Add(10 * time.Minute), Left: "9m12s"}, st.Guardrails.Cooldowns[0])
	require.NotEmpty(t, st.Codes)
	assert.Equal(t, depCode, st.Codes[0].Code)
	assert.EqualValues(t, 3, st.Codes[0].Failures)
	require.Len(t, st.Policies, 1)
	assert.Equal(t, "recycle", st.Policies[0].Action)
	require.NotEmpty(t, st.Audit)
	assert.Equal(t, "ok", st.Audit[0].Outcome, "newest first")
	assert.Equal(t, []statuspage.Breaker{{Name: "payments", State: "closed"}}, st.Breakers)
	assert.Empty(t, st.Flags)
	assert.Equal(t, []statuspage.Fault{{Name: "statuspage.test",
		Description: "fail with SVC-DEP-001 payments: injected"}}, st.Faults)
}

func TestJSONFieldNames(t *testing.T) {
	f := newFixture(t, nil)
	_, body := f.get(t, "/?format=json")
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &m))
	for _, k := range []string{"title", "time", "refresh_ms", "controls", "health", "guardrails",
		"incidents", "codes", "policies", "breakers", "flags", "faults", "audit"} {
		assert.Contains(t, m, k)
	}
	// Empty lists are [] rather than null, so the script need not care.
	assert.Equal(t, []any{}, m["incidents"])
	g := m["guardrails"].(map[string]any)
	assert.Equal(t, []any{}, g["cooldowns"])
	assert.Equal(t, "10 of 10 actions left per 1h", g["budget"].(map[string]any)["text"])
}

func TestHTMLEscapesReportedNames(t *testing.T) {
	f := newFixture(t, nil)
	hostile := `<script>alert(1)</script>`
	f.fire(t, hostile)

	resp, body := f.get(t, "/")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
	assert.NotContains(t, body, hostile)
	assert.Contains(t, body, "&lt;script&gt;alert(1)&lt;/script&gt;")
	assert.Contains(t, body, "cooldown 10m left")
	assert.Contains(t, body, `<span id="health" class="badge ok">healthy</span>`)
}

func TestSecurityHeaders(t *testing.T) {
	f := newFixture(t, nil)
	for _, path := range []string{"/", "/status.json", "/app.js", "/style.css"} {
		t.Run(path, func(t *testing.T) {
			resp, _ := f.get(t, path)
			require.Equal(t, http.StatusOK, resp.StatusCode)
			csp := resp.Header.Get("Content-Security-Policy")
			assert.Contains(t, csp, "script-src 'self'")
			assert.NotContains(t, csp, "unsafe-inline")
			assert.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
		})
	}
}

func TestMethodsAndPaths(t *testing.T) {
	f := newFixture(t, nil)
	tests := []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "/", http.StatusOK},
		{http.MethodHead, "/status.json", http.StatusOK},
		{http.MethodPost, "/", http.StatusMethodNotAllowed},
		{http.MethodPut, "/status.json", http.StatusMethodNotAllowed},
		{http.MethodGet, "/mute", http.StatusMethodNotAllowed},
		{http.MethodDelete, "/breaker/reset", http.StatusMethodNotAllowed},
		{http.MethodGet, "/nope", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, f.srv.URL+tt.path, nil)
			require.NoError(t, err)
			resp, err := f.srv.Client().Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, tt.want, resp.StatusCode)
		})
	}
}

// control is one operator control: how to prepare for it, what to post,
// and how to check it took effect as alice.
type control struct {
	name    string
	path    string
	form    url.Values
	prepare func(t *testing.T, f *fixture)
	check   func(t *testing.T, f *fixture)
}

func controls() []control {
	return []control{
		{name: "mute", path: "/mute", form: url.Values{"for": {"15m"}, "reason": {"deploying"}},
			check: func(t *testing.T, f *fixture) {
				m := f.h.Supervisor().Snapshot().Mute
				require.NotNil(t, m)
				assert.Equal(t, supervisor.Mute{Until: healtest.Epoch.Add(15 * time.Minute),
					Reason: "deploying", By: "human:alice", At: healtest.Epoch}, *m)
			}},
		{name: "unmute", path: "/unmute",
			prepare: func(t *testing.T, f *fixture) {
				require.NoError(t,
					f.h.Supervisor().Mute(healtest.Epoch.Add(time.Hour), "x", "human:bob"))
			},
			check: func(t *testing.T, f *fixture) {
				assert.Nil(t, f.h.Supervisor().Snapshot().Mute)
				rec := f.lastRecord(t, supervisor.OutcomeUnmuted)
				assert.Equal(t, "human:alice", rec.Actor)
			}},
		{name: "rearm", path: "/rearm", form: url.Values{"target": {"orders"}},
			prepare: func(t *testing.T, f *fixture) {
				require.NoError(t, f.store.GiveUp("orders",
					supervisor.GiveUp{At: healtest.Epoch, Reason: "too many"}))
			},
			check: func(t *testing.T, f *fixture) {
				assert.Empty(t, f.h.Supervisor().Snapshot().GivenUp)
				rec := f.lastRecord(t, supervisor.OutcomeRearmed)
				assert.Equal(t, "human:alice", rec.Actor)
			}},
		{name: "reset breaker", path: "/breaker/reset", form: url.Values{"name": {"payments"}},
			prepare: func(t *testing.T, f *fixture) {
				b, _ := f.set.Get("payments")
				b.ForceOpen(time.Hour, breaker.Attribution{Actor: "system"})
			},
			check: func(t *testing.T, f *fixture) {
				b, _ := f.set.Get("payments")
				assert.Nil(t, b.Status().Hold)
				rec := f.lastRecord(t, supervisor.OutcomeOK)
				assert.True(t, rec.Undo)
				assert.Equal(t, "human:alice", rec.Actor)
				assert.Equal(t, breaker.TripName, rec.Action)
			}},
		{name: "revive flag", path: "/flag/revive", form: url.Values{"flag": {"new-checkout"}},
			prepare: func(t *testing.T, f *fixture) {
				require.NoError(t, f.sw.Kill(t.Context(), "new-checkout",
					flags.Attribution{Actor: "system"}))
			},
			check: func(t *testing.T, f *fixture) {
				assert.Empty(t, f.sw.Kills())
				rec := f.lastRecord(t, supervisor.OutcomeOK)
				assert.Equal(t, "human:alice", rec.Actor)
				assert.Equal(t, flags.KillName, rec.Action)
			}},
		{name: "inject fault", path: "/fault/inject", form: url.Values{"name": {"statuspage.test"}},
			check: func(t *testing.T, f *fixture) {
				assert.True(t, healtest.NewFailpoint("statuspage.test").Active())
				healtest.NewFailpoint("statuspage.test").Clear()
				rec := f.lastRecord(t, supervisor.OutcomeNoted)
				assert.Equal(t, "human:alice", rec.Actor)
				assert.Equal(t, "inject fault statuspage.test", rec.Reason)
			}},
		{name: "clear fault", path: "/fault/clear", form: url.Values{"name": {"statuspage.test"}},
			prepare: func(t *testing.T, f *fixture) {
				healtest.Inject("statuspage.test", healtest.Fault{Err: assert.AnError})
			},
			check: func(t *testing.T, f *fixture) {
				assert.False(t, healtest.NewFailpoint("statuspage.test").Active())
				rec := f.lastRecord(t, supervisor.OutcomeNoted)
				assert.Equal(t, "clear fault statuspage.test", rec.Reason)
			}},
	}
}

func TestControlsNeedAToken(t *testing.T) {
	for _, c := range controls() {
		for _, tok := range []struct{ name, token string }{
			{"none", ""}, {"wrong", "not-the-token-at-all-000"}, {"prefix", aliceToken[:20]},
		} {
			t.Run(c.name+"/"+tok.name, func(t *testing.T) {
				f := newFixture(t, nil)
				code, body := f.post(t, c.path, tok.token, c.form, nil)
				assert.Equal(t, http.StatusUnauthorized, code, body)
				assert.Contains(t, body, `"error": "statuspage: `)
			})
		}
	}
}

func TestControlsWithToken(t *testing.T) {
	for _, c := range controls() {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, nil)
			if c.prepare != nil {
				c.prepare(t, f)
			}
			code, body := f.post(t, c.path, aliceToken, c.form, nil)
			require.Equal(t, http.StatusOK, code, body)
			assert.Contains(t, body, `"ok": true`)
			c.check(t, f)
		})
	}
}

func TestCrossOriginControlsRefused(t *testing.T) {
	tests := []struct {
		name string
		hdr  map[string]string
	}{
		{"sec-fetch-site cross-site", map[string]string{"Sec-Fetch-Site": "cross-site"}},
		{"sec-fetch-site same-site", map[string]string{"Sec-Fetch-Site": "same-site"}},
		{"foreign origin", map[string]string{
			"Sec-Fetch-Site": "", "Origin": "https://evil.example",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil)
			code, body := f.post(t, "/mute", aliceToken,
				url.Values{"for": {"1h"}, "reason": {"csrf"}}, tt.hdr)
			assert.Equal(t, http.StatusForbidden, code, body)
			assert.Nil(t, f.h.Supervisor().Snapshot().Mute)
		})
	}
}

func TestControlsRefuseBadInput(t *testing.T) {
	tests := []struct {
		name, path string
		form       url.Values
		want       int
	}{
		{"mute without duration", "/mute", url.Values{}, http.StatusBadRequest},
		{"mute with garbage", "/mute", url.Values{"for": {"soon"}}, http.StatusBadRequest},
		{"mute negative", "/mute", url.Values{"for": {"-5m"}}, http.StatusBadRequest},
		{"mute beyond MaxMute", "/mute", url.Values{"for": {"25h"}}, http.StatusBadRequest},
		{"rearm a target not given up", "/rearm", url.Values{"target": {"x"}}, http.StatusNotFound},
		{"reset unknown breaker", "/breaker/reset", url.Values{"name": {"x"}}, http.StatusNotFound},
		{"revive a live flag", "/flag/revive", url.Values{"flag": {"x"}}, http.StatusNotFound},
		{"inject unknown fault", "/fault/inject", url.Values{"name": {"x"}}, http.StatusNotFound},
		{"clear unknown fault", "/fault/clear", url.Values{"name": {"x"}}, http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil)
			before := f.audit.Records()
			code, body := f.post(t, tt.path, bobToken, tt.form, nil)
			assert.Equal(t, tt.want, code, body)
			assert.Nil(t, f.h.Supervisor().Snapshot().Mute)
			assert.Equal(t, before, f.audit.Records(), "a refused control audits nothing")
			assert.False(t, healtest.NewFailpoint("statuspage.test").Active())
		})
	}
}

func TestBearerSchemeIgnoresCase(t *testing.T) {
	tests := []struct {
		header string
		want   int
	}{
		{"Bearer " + aliceToken, http.StatusOK},
		{"bearer " + aliceToken, http.StatusOK},
		{"BEARER " + aliceToken, http.StatusOK},
		{"Basic " + aliceToken, http.StatusUnauthorized},
		{"Bearer" + aliceToken, http.StatusUnauthorized},
		{"Bearer ", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			f := newFixture(t, nil)
			code, body := f.post(t, "/unmute", "", nil,
				map[string]string{"Authorization": tt.header})
			assert.Equal(t, tt.want, code, body)
		})
	}
}

// holdAction occupies a supervisor worker until release is closed or the
// supervisor stops it.
type holdAction struct{ started, release chan struct{} }

func (holdAction) Name() string { return "hold" }

func (a holdAction) Run(ctx context.Context, _ heal.Trigger) error {
	close(a.started)
	select {
	case <-a.release:
	case <-ctx.Done():
	}
	return nil
}

func TestUndoStillQueuedIsAccepted(t *testing.T) {
	// One worker, held by another action: the reset waits in the queue
	// longer than the page waits for it.
	f := newFixtureWith(t, func(c *supervisor.Config) { c.Workers = 1 }, nil)
	statuspage.SetUndoWait(f.page, time.Millisecond)
	hold := holdAction{started: make(chan struct{}), release: make(chan struct{})}
	require.NoError(t, f.h.On("DB-CONN-001", heal.AtLeast(1, time.Minute), hold))
	f.h.Report(f.h.Taxonomy().New("DB-CONN-001", "orders", "connection reset"))
	<-hold.started
	b, _ := f.set.Get("payments")
	b.ForceOpen(time.Hour, breaker.Attribution{Actor: "system"})

	code, body := f.post(t, "/breaker/reset", aliceToken,
		url.Values{"name": {"payments"}}, nil)
	assert.Equal(t, http.StatusAccepted, code, body)
	assert.Contains(t, body, `"ok": true`)
	assert.Contains(t, body, "queued")
	assert.NotNil(t, b.Status().Hold, "not reset yet")

	// Once the worker is free the reset runs, and is audited.
	close(hold.release)
	rec := f.waitRecord(t, supervisor.OutcomeOK, breaker.TripName, "payments")
	assert.True(t, rec.Undo)
	assert.Equal(t, "human:alice", rec.Actor)
	assert.Nil(t, b.Status().Hold)
}

func TestReadOnlyWithoutTokens(t *testing.T) {
	f := newFixture(t, func(c *statuspage.Config) { c.Tokens = nil; c.Faults = nil })
	code, body := f.post(t, "/unmute", aliceToken, nil, nil)
	assert.Equal(t, http.StatusForbidden, code, body)
	st := f.state(t)
	assert.False(t, st.Controls)
	assert.False(t, st.HasFaults)
	_, html := f.get(t, "/")
	assert.Contains(t, html, `data-controls="false"`)
}

func TestConfigDefaultsShow(t *testing.T) {
	f := newFixture(t, func(c *statuspage.Config) {
		c.Title, c.RefreshInterval, c.AuditTail = "payments <prod>", -1, 1
	})
	f.fire(t, "payments")
	st := f.state(t)
	assert.Equal(t, "payments <prod>", st.Title)
	assert.Zero(t, st.Refresh)
	assert.Len(t, st.Audit, 1)
	_, html := f.get(t, "/")
	assert.Contains(t, html, "<title>payments &lt;prod&gt;</title>")
}
