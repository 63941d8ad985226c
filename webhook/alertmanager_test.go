package webhook

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/selfheal/selfheal/heal"
	"github.com/selfheal/selfheal/supervisor"
)

// amBody is a notification shaped as Alertmanager 0.28 sends it: one group
// with a firing alert selfheal can act on, a resolved one, one without a
// code label and one with a code the taxonomy does not define.
const amBody = `{
  "receiver": "selfheal",
  "status": "firing",
  "alerts": [
    {
      "status": "firing",
      "labels": {"alertname": "PaymentsDependencyErrors", "error_code": "SVC-DEP-001",
                 "target": "payments", "severity": "page", "service": "checkout"},
      "annotations": {"summary": "payments dependency failing", ` +
	`"runbook_url": "https://runbooks/svc-dep-001"},
      "startsAt": "2026-01-02T15:01:00.123Z",
      "endsAt": "0001-01-01T00:00:00Z",
      "generatorURL": "http://prometheus:9090/graph?g0.expr=rate%28errors%5B1m%5D%29",
      "fingerprint": "c4b3a2f1e0d9c8b7"
    },
    {
      "status": "resolved",
      "labels": {"alertname": "PaymentsDependencyErrors", "error_code": "SVC-DEP-001",
                 "target": "ledger", "service": "checkout"},
      "annotations": {},
      "startsAt": "2026-01-02T14:40:00Z",
      "endsAt": "2026-01-02T15:00:00Z",
      "generatorURL": "http://prometheus:9090/graph",
      "fingerprint": "0a1b2c3d4e5f6071"
    },
    {
      "status": "firing",
      "labels": {"alertname": "HighLatency", "service": "checkout"},
      "annotations": {"summary": "slow"},
      "startsAt": "2026-01-02T15:02:00Z",
      "endsAt": "0001-01-01T00:00:00Z",
      "generatorURL": "http://prometheus:9090/graph",
      "fingerprint": "1122334455667788"
    },
    {
      "status": "firing",
      "labels": {"alertname": "Mystery", "error_code": "XYZ-GONE-404", "service": "checkout"},
      "annotations": {},
      "startsAt": "2026-01-02T15:03:00Z",
      "endsAt": "0001-01-01T00:00:00Z",
      "generatorURL": "http://prometheus:9090/graph",
      "fingerprint": "8877665544332211"
    }
  ],
  "groupLabels": {"service": "checkout"},
  "commonLabels": {"service": "checkout"},
  "commonAnnotations": {},
  "externalURL": "http://alertmanager:9093",
  "version": "4",
  "groupKey": "{}/{severity=\"page\"}:{service=\"checkout\"}",
  "truncatedAlerts": 0,
  "someFieldFromTheFuture": {"x": 1}
}`

// amRequest builds an Alertmanager notification carrying token.
func amRequest(body, token string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/alertmanager", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("User-Agent", "Alertmanager/0.28.1")
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	return r
}

// amAlertBody returns a one-alert notification with the given labels.
func amAlertBody(status, labels string) string {
	return fmt.Sprintf(`{"version":"4","receiver":"selfheal","status":%q,"groupKey":"{}:{}",
		"alerts":[{"status":%q,"labels":%s,"annotations":{},
		"startsAt":"2026-01-02T15:00:00Z","endsAt":"0001-01-01T00:00:00Z"}]}`,
		status, status, labels)
}

func TestAlertmanagerBatch(t *testing.T) {
	f := newFixture(t, nil)
	resp := serve(f.rc.Alertmanager(), amRequest(amBody, "am-token"))
	require.Equal(t, http.StatusAccepted, resp.StatusCode)

	fired := f.target.firedRequests()
	require.Len(t, fired, 1)
	assert.Equal(t, heal.Request{
		Code:   "SVC-DEP-001",
		Target: "payments",
		Source: supervisor.SourceWebhook,
		Actor:  "webhook:selfheal",
		Reason: "payments dependency failing",
		Attrs: map[string]string{
			"alertname":     "PaymentsDependencyErrors",
			"fingerprint":   "c4b3a2f1e0d9c8b7",
			"starts_at":     "2026-01-02T15:01:00Z",
			"generator_url": "http://prometheus:9090/graph?g0.expr=rate%28errors%5B1m%5D%29",
			"group_key":     `{}/{severity="page"}:{service="checkout"}`,
		},
	}, fired[0])

	rej := f.target.rejections()
	require.Len(t, rej, 3)
	assert.Equal(t, []string{whyResolved, whyNoCode, whyUnknownCode}, f.target.whys())
	assert.Equal(t, "SVC-DEP-001", rej[0].req.Code, "a resolved alert is recorded with its code")
	assert.Equal(t, "ledger", rej[0].req.Target)
	assert.Equal(t, "webhook:selfheal", rej[0].req.Actor)
	assert.Equal(t, "XYZ-GONE-404", rej[2].req.Code)
	for _, r := range rej {
		assert.Equal(t, supervisor.SourceWebhook, r.req.Source)
	}
}

func TestAlertmanagerBatchStatus(t *testing.T) {
	refused := fmt.Errorf("heal: trip: %w", supervisor.ErrUnhealthy)
	skipped := errors.New("heal: trip skipped by guardrail cooldown")
	notBound := fmt.Errorf("heal: SVC-DEP-001: %w", heal.ErrNotEligible)
	tests := []struct {
		name    string
		body    string
		fireErr error
		status  int
		fires   int
	}{
		{"firing, taken", amAlertBody("firing", `{"error_code":"SVC-DEP-001"}`), nil,
			http.StatusAccepted, 1},
		{"resolved only", amAlertBody("resolved", `{"error_code":"SVC-DEP-001"}`), nil,
			http.StatusAccepted, 0},
		{"no code label", amAlertBody("firing", `{"alertname":"X"}`), nil,
			http.StatusUnprocessableEntity, 0},
		{"unknown code", amAlertBody("firing", `{"error_code":"NOPE-GONE-001"}`), nil,
			http.StatusUnprocessableEntity, 0},
		{"malformed code", amAlertBody("firing", `{"error_code":"SVC DEP;001"}`), nil,
			http.StatusUnprocessableEntity, 0},
		{"no policy binds it", amAlertBody("firing", `{"error_code":"SVC-DEP-001"}`), notBound,
			http.StatusUnprocessableEntity, 1},
		{"supervisor refuses", amAlertBody("firing", `{"error_code":"SVC-DEP-001"}`), refused,
			http.StatusServiceUnavailable, 1},
		{"refusal wins over the rest", amBody, refused, http.StatusServiceUnavailable, 1},
		{"skipped by a guardrail", amAlertBody("firing", `{"error_code":"SVC-DEP-001"}`), skipped,
			http.StatusAccepted, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil)
			f.target.setFireErr(tt.fireErr)
			resp := serve(f.rc.Alertmanager(), amRequest(tt.body, "am-token"))
			assert.Equal(t, tt.status, resp.StatusCode)
			assert.Len(t, f.target.firedRequests(), tt.fires)
		})
	}
}

func TestAlertmanagerLabelsConfigurable(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.CodeLabel, c.TargetLabel = "heal_code", "dependency" })
	labels := `{"heal_code":"SVC-DEP-001","dependency":"db","error_code":"ignored"}`
	body := amAlertBody("firing", labels)
	resp := serve(f.rc.Alertmanager(), amRequest(body, "am-token"))
	require.Equal(t, http.StatusAccepted, resp.StatusCode)
	fired := f.target.firedRequests()
	require.Len(t, fired, 1)
	assert.Equal(t, "SVC-DEP-001", fired[0].Code)
	assert.Equal(t, "db", fired[0].Target)
	assert.Equal(t, "alert  firing", fired[0].Reason, "no summary: a generic reason")
}

func TestAlertmanagerRefusals(t *testing.T) {
	good := amAlertBody("firing", `{"error_code":"SVC-DEP-001"}`)
	tests := []struct {
		name   string
		edit   func(*Config)
		req    func() *http.Request
		status int
		why    string
	}{
		{"no authorization", nil, func() *http.Request { return amRequest(good, "") },
			http.StatusUnauthorized, whyNoAuth},
		{"wrong token", nil, func() *http.Request { return amRequest(good, "am-tokeN") },
			http.StatusUnauthorized, whyBadAuth},
		{"token prefix", nil, func() *http.Request { return amRequest(good, "am-tok") },
			http.StatusUnauthorized, whyBadAuth},
		{"basic auth", nil, func() *http.Request {
			r := amRequest(good, "")
			r.SetBasicAuth("am", "am-token")
			return r
		}, http.StatusUnauthorized, whyNoAuth},
		{"no tokens configured", func(c *Config) { c.Tokens = nil },
			func() *http.Request { return amRequest(good, "am-token") },
			http.StatusUnauthorized, whyBadAuth},
		{"empty token configured", func(c *Config) { c.Tokens = []Token{""} },
			func() *http.Request { return amRequest(good, "x") },
			http.StatusUnauthorized, whyBadAuth},
		{"GET", nil, func() *http.Request {
			r := amRequest(good, "am-token")
			r.Method = http.MethodGet
			return r
		}, http.StatusMethodNotAllowed, whyMethod},
		{"form content type", nil, func() *http.Request {
			r := amRequest(good, "am-token")
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}, http.StatusUnsupportedMediaType, whyMediaType},
		{"too large", nil, func() *http.Request {
			return amRequest(strings.Repeat(" ", 64<<10+1)+good, "am-token")
		}, http.StatusRequestEntityTooLarge, whyTooLarge},
		{"version 3", nil, func() *http.Request {
			return amRequest(strings.Replace(good, `"version":"4"`, `"version":"3"`, 1), "am-token")
		}, http.StatusBadRequest, whyMalformed},
		{"no alerts", nil, func() *http.Request {
			return amRequest(
				`{"version":"4","receiver":"selfheal","status":"firing","alerts":[]}`,
				"am-token")
		}, http.StatusBadRequest, whyMalformed},
		{"bad alert status", nil, func() *http.Request {
			return amRequest(strings.ReplaceAll(good, `"firing"`, `"pending"`), "am-token")
		}, http.StatusBadRequest, whyMalformed},
		{"labels not strings", nil, func() *http.Request {
			return amRequest(amAlertBody("firing", `{"error_code":1}`), "am-token")
		}, http.StatusBadRequest, whyMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.edit)
			resp := serve(f.rc.Alertmanager(), tt.req())
			requireProblem(t, resp, tt.status)
			if tt.status == http.StatusUnauthorized {
				assert.Equal(t, "Bearer", resp.Header.Get("WWW-Authenticate"))
			}
			assert.Empty(t, f.target.firedRequests())
			assert.Equal(t, []string{tt.why}, f.target.whys())
		})
	}
}

func TestAlertmanagerTokenRotation(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Tokens = []Token{"old-token", "new-token"} })
	body := amAlertBody("firing", `{"error_code":"SVC-DEP-001"}`)
	for _, tok := range []string{"old-token", "new-token"} {
		resp := serve(f.rc.Alertmanager(), amRequest(body, tok))
		assert.Equal(t, http.StatusAccepted, resp.StatusCode, tok)
	}
	// The scheme is case-insensitive, as RFC 9110 says.
	r := amRequest(body, "")
	r.Header.Set("Authorization", "bearer new-token")
	assert.Equal(t, http.StatusAccepted, serve(f.rc.Alertmanager(), r).StatusCode)
}

func TestTokenSetMatch(t *testing.T) {
	tokens := newTokenSet([]Token{"alpha", "", "bravo"})
	tests := []struct {
		in   string
		want bool
	}{
		{"alpha", true}, {"bravo", true}, {"", false},
		{"alph", false}, {"alphaa", false}, {"ALPHA", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tokens.match(tt.in), "%q", tt.in)
	}
}

// noter is a fakeTarget that can also note events, as heal.Healer does.
type noter struct {
	*fakeTarget
	notes chan heal.Request
}

func (n noter) Note(r heal.Request, note string) {
	if note == "alert resolved" {
		n.notes <- r
	}
}

func TestResolvedAlertIsNotedNotRejected(t *testing.T) {
	ft := newFakeTarget("SVC-DEP-001")
	n := noter{fakeTarget: ft, notes: make(chan heal.Request, 1)}
	rc, err := New(Config{
		Target: n,
		Tokens: []Token{"am-token-0123456789"},
		Logger: slog.New(slog.DiscardHandler),
	})
	require.NoError(t, err)
	defer rc.Close()

	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(
		amAlertBody("resolved", `{"error_code":"SVC-DEP-001","target":"payments"}`)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer am-token-0123456789")
	rec := httptest.NewRecorder()
	rc.Alertmanager().ServeHTTP(rec, req)

	assert.Equal(t, http.StatusAccepted, rec.Code)
	got := <-n.notes
	assert.Equal(t, "SVC-DEP-001", got.Code)
	assert.Equal(t, "payments", got.Target)
	assert.Empty(t, ft.whys(), "a resolved alert is not a rejection")
}

// The Healer is what services mount the receiver on.
var (
	_ Target = (*heal.Healer)(nil)
	_ Noter  = (*heal.Healer)(nil)
)
