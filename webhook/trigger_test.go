package webhook

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/selfheal/selfheal/heal"
	"github.com/selfheal/selfheal/healtest"
	"github.com/selfheal/selfheal/supervisor"
)

const validBody = `{"code":"SVC-DEP-001","target":"payments",` +
	`"reason":"p99 above SLO","dry_run":true}`

func TestTriggerAccepted(t *testing.T) {
	f := newFixture(t, nil)
	resp := serve(f.rc.Trigger(), f.signed(t, "msg_1", validBody))
	require.Equal(t, http.StatusAccepted, resp.StatusCode)

	fired := f.target.firedRequests()
	require.Len(t, fired, 1)
	assert.Equal(t, heal.Request{
		Code:   "SVC-DEP-001",
		Target: "payments",
		Source: supervisor.SourceWebhook,
		Actor:  "webhook:ci",
		Reason: "p99 above SLO",
		DryRun: true,
		Attrs:  map[string]string{"webhook_id": "msg_1"},
	}, fired[0])
	assert.Empty(t, f.target.rejections(), "an accepted trigger is audited by Fire alone")
}

func TestTriggerSpecVectorEndToEnd(t *testing.T) {
	// A request exactly as the reference libraries produce it, with a body
	// the receiver then refuses as malformed (400, not 401): the signature
	// itself was accepted.
	f := newFixture(t, func(c *Config) {
		c.Clock = healtest.NewClock(time.Unix(specTimestamp, 0))
	})
	req := httptest.NewRequest(http.MethodPost, "/trigger", strings.NewReader(specBody))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Webhook-Id", specID)
	req.Header.Set("Webhook-Timestamp", "1614265330")
	req.Header.Set("Webhook-Signature", specSignature)
	requireProblem(t, serve(f.rc.Trigger(), req), http.StatusBadRequest)
	assert.Equal(t, []string{whyMalformed}, f.target.whys())
}

func TestTriggerRefusals(t *testing.T) {
	other, err := ParseSecret(GenerateSecret())
	require.NoError(t, err)

	tests := []struct {
		name   string
		edit   func(*Config)
		req    func(t *testing.T, f *fixture) *http.Request
		status int
		why    string
	}{
		{"GET", nil, func(t *testing.T, f *fixture) *http.Request {
			r := f.signed(t, "msg_1", validBody)
			r.Method = http.MethodGet
			return r
		}, http.StatusMethodNotAllowed, whyMethod},
		{"text/plain", nil, func(t *testing.T, f *fixture) *http.Request {
			r := f.signed(t, "msg_1", validBody)
			r.Header.Set("Content-Type", "text/plain")
			return r
		}, http.StatusUnsupportedMediaType, whyMediaType},
		{"no content type", nil, func(t *testing.T, f *fixture) *http.Request {
			r := f.signed(t, "msg_1", validBody)
			r.Header.Del("Content-Type")
			return r
		}, http.StatusUnsupportedMediaType, whyMediaType},
		{"no signature headers", nil, func(t *testing.T, f *fixture) *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/trigger", strings.NewReader(validBody))
			r.Header.Set("Content-Type", "application/json")
			return r
		}, http.StatusUnauthorized, whyNoAuth},
		{"no signature", nil, func(t *testing.T, f *fixture) *http.Request {
			r := f.signed(t, "msg_1", validBody)
			r.Header.Del(HeaderSignature)
			return r
		}, http.StatusUnauthorized, whyNoAuth},
		{"wrong secret", nil, func(t *testing.T, f *fixture) *http.Request {
			return f.signedAt(t, "msg_1", f.clock.Now(), validBody, other)
		}, http.StatusUnauthorized, whyBadAuth},
		{"no secrets configured", func(c *Config) { c.Secrets = nil },
			func(t *testing.T, f *fixture) *http.Request {
				return f.signed(t, "msg_1", validBody)
			}, http.StatusUnauthorized, whyBadAuth},
		{"body changed after signing", nil, func(t *testing.T, f *fixture) *http.Request {
			r := f.signed(t, "msg_1", validBody)
			forged := strings.Replace(validBody, "payments", "ledger", 1)
			r.Body = httptest.NewRequest(http.MethodPost, "/", strings.NewReader(forged)).Body
			return r
		}, http.StatusUnauthorized, whyBadAuth},
		{"id with full stop", nil, func(t *testing.T, f *fixture) *http.Request {
			r := f.signed(t, "msg_1", validBody)
			r.Header.Set(HeaderID, "msg.1")
			return r
		}, http.StatusUnauthorized, whyBadAuth},
		{"malformed timestamp", nil, func(t *testing.T, f *fixture) *http.Request {
			r := f.signed(t, "msg_1", validBody)
			r.Header.Set(HeaderTimestamp, "2026-01-02T15:04:05Z")
			return r
		}, http.StatusUnauthorized, whyMalformedTS},
		{"timestamp too old", nil, func(t *testing.T, f *fixture) *http.Request {
			ts := f.clock.Now().Add(-5*time.Minute - time.Second)
			return f.signedAt(t, "msg_1", ts, validBody, f.secret)
		}, http.StatusUnauthorized, whyStale},
		{"timestamp too new", nil, func(t *testing.T, f *fixture) *http.Request {
			ts := f.clock.Now().Add(5*time.Minute + time.Second)
			return f.signedAt(t, "msg_1", ts, validBody, f.secret)
		}, http.StatusUnauthorized, whyStale},
		{"custom tolerance", func(c *Config) { c.Tolerance = time.Minute },
			func(t *testing.T, f *fixture) *http.Request {
				ts := f.clock.Now().Add(-2 * time.Minute)
				return f.signedAt(t, "msg_1", ts, validBody, f.secret)
			}, http.StatusUnauthorized, whyStale},
		{"body too large", nil, func(t *testing.T, f *fixture) *http.Request {
			body := `{"code":"SVC-DEP-001","reason":"` + strings.Repeat("x", 64<<10) + `"}`
			return f.signed(t, "msg_1", body)
		}, http.StatusRequestEntityTooLarge, whyTooLarge},
		{"custom body limit", func(c *Config) { c.MaxBodyBytes = 16 },
			func(t *testing.T, f *fixture) *http.Request {
				return f.signed(t, "msg_1", validBody)
			}, http.StatusRequestEntityTooLarge, whyTooLarge},
		{"not JSON", nil, func(t *testing.T, f *fixture) *http.Request {
			return f.signed(t, "msg_1", `code=SVC-DEP-001`)
		}, http.StatusBadRequest, whyMalformed},
		{"unknown field", nil, func(t *testing.T, f *fixture) *http.Request {
			return f.signed(t, "msg_1", `{"code":"SVC-DEP-001","command":"rm -rf /"}`)
		}, http.StatusBadRequest, whyMalformed},
		{"trailing data", nil, func(t *testing.T, f *fixture) *http.Request {
			return f.signed(t, "msg_1", `{"code":"SVC-DEP-001"} {"code":"SVC-DEP-002"}`)
		}, http.StatusBadRequest, whyMalformed},
		{"no code", nil, func(t *testing.T, f *fixture) *http.Request {
			return f.signed(t, "msg_1", `{"target":"payments"}`)
		}, http.StatusBadRequest, whyMalformed},
		{"control character in reason", nil, func(t *testing.T, f *fixture) *http.Request {
			return f.signed(t, "msg_1", `{"code":"SVC-DEP-001","reason":"a\nFAKE LOG LINE"}`)
		}, http.StatusBadRequest, whyMalformed},
		{"malformed code", nil, func(t *testing.T, f *fixture) *http.Request {
			return f.signed(t, "msg_1", `{"code":"svc-dep-001"}`)
		}, http.StatusBadRequest, whyMalformed},
		{"unknown code", nil, func(t *testing.T, f *fixture) *http.Request {
			return f.signed(t, "msg_1", `{"code":"SVC-NOPE-999"}`)
		}, http.StatusUnprocessableEntity, whyUnknownCode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.edit)
			requireProblem(t, serve(f.rc.Trigger(), tt.req(t, f)), tt.status)

			assert.Empty(t, f.target.firedRequests(), "nothing may fire")
			rej := f.target.rejections()
			require.Len(t, rej, 1, "every refusal is audited")
			assert.Equal(t, tt.why, rej[0].why)
			assert.Equal(t, supervisor.SourceWebhook, rej[0].req.Source)
			assert.Equal(t, fmt.Sprint(tt.status), rej[0].req.Attrs["status"])
		})
	}
}

func TestTriggerMethodNotAllowedSaysAllow(t *testing.T) {
	f := newFixture(t, nil)
	resp := serve(f.rc.Trigger(), httptest.NewRequest(http.MethodPut, "/trigger", nil))
	requireProblem(t, resp, http.StatusMethodNotAllowed)
	assert.Equal(t, http.MethodPost, resp.Header.Get("Allow"))
}

func TestTriggerFireOutcomes(t *testing.T) {
	tests := []struct {
		name    string
		fireErr error
		status  int
	}{
		{"taken", nil, http.StatusAccepted},
		{"no policy binds the code", fmt.Errorf("heal: no policy: %w", heal.ErrNotEligible),
			http.StatusUnprocessableEntity},
		{"supervisor unhealthy", fmt.Errorf("heal: trip: %w", supervisor.ErrUnhealthy),
			http.StatusServiceUnavailable},
		{"decision queue full", supervisor.ErrQueueFull, http.StatusServiceUnavailable},
		{"supervisor closed", supervisor.ErrClosed, http.StatusServiceUnavailable},
		// Taken and audited: a retry would only meet the same guardrail.
		{"skipped by a guardrail",
			errors.New("heal: trip on \"payments\" skipped by guardrail cooldown"),
			http.StatusAccepted},
		{"action failed", errors.New("heal: trip on \"payments\" failed: boom"),
			http.StatusAccepted},
		{"decision still pending", fmt.Errorf("supervisor: waiting: %w", context.DeadlineExceeded),
			http.StatusAccepted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil)
			f.target.setFireErr(tt.fireErr)
			resp := serve(f.rc.Trigger(), f.signed(t, "msg_1", validBody))
			assert.Equal(t, tt.status, resp.StatusCode)
			assert.Len(t, f.target.firedRequests(), 1)
			assert.Empty(t, f.target.rejections(), "Fire audits what it is given")
		})
	}
}

func TestTriggerRetryAfterRefusal(t *testing.T) {
	// A 503 frees the message id: the sender's retry of the same message,
	// re-signed with a new timestamp, goes through.
	f := newFixture(t, nil)
	f.target.setFireErr(supervisor.ErrUnhealthy)
	resp := serve(f.rc.Trigger(), f.signed(t, "msg_1", validBody))
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)

	f.target.setFireErr(nil)
	f.clock.Advance(5 * time.Second)
	resp = serve(f.rc.Trigger(), f.signed(t, "msg_1", validBody))
	require.Equal(t, http.StatusAccepted, resp.StatusCode)
	assert.Len(t, f.target.firedRequests(), 2)
}

func TestTriggerReplay(t *testing.T) {
	f := newFixture(t, nil)
	sent := f.clock.Now()
	steps := []struct {
		after  time.Duration // since the original was sent
		status int
	}{
		{0, http.StatusAccepted},
		{0, http.StatusConflict},
		{4 * time.Minute, http.StatusConflict},
		{5 * time.Minute, http.StatusConflict},
		// Past the tolerance the id is forgotten, and the timestamp check
		// refuses the replay instead.
		{5*time.Minute + time.Second, http.StatusUnauthorized},
	}
	for _, s := range steps {
		f.clock.Set(sent.Add(s.after))
		resp := serve(f.rc.Trigger(), f.signedAt(t, "msg_1", sent, validBody, f.secret))
		assert.Equal(t, s.status, resp.StatusCode, "at +%v", s.after)
	}
	assert.Len(t, f.target.firedRequests(), 1)

	resp := serve(f.rc.Trigger(), f.signed(t, "msg_2", validBody))
	require.Equal(t, http.StatusAccepted, resp.StatusCode)
	assert.Equal(t, 1, f.rc.replay.len(), "expired ids are forgotten")
}

func TestTriggerSecretRotation(t *testing.T) {
	newSec, err := ParseSecret(GenerateSecret())
	require.NoError(t, err)
	var oldSec Secret
	f := newFixture(t, func(c *Config) {
		oldSec = c.Secrets[0]
		c.Secrets = append(c.Secrets, newSec)
	})
	tests := []struct {
		name    string
		secrets []Secret
	}{
		{"sender still on the old secret", []Secret{oldSec}},
		{"sender moved to the new secret", []Secret{newSec}},
		{"sender signing with both", []Secret{newSec, oldSec}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := f.signedAt(t, fmt.Sprintf("msg_%d", i), f.clock.Now(), validBody, tt.secrets...)
			assert.Equal(t, http.StatusAccepted, serve(f.rc.Trigger(), req).StatusCode)
		})
	}
}

func TestTriggerReplayCapacity(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.ReplayCapacity = 2 })
	codes := []int{http.StatusAccepted, http.StatusAccepted, http.StatusTooManyRequests}
	for i, want := range codes {
		resp := serve(f.rc.Trigger(), f.signed(t, fmt.Sprintf("msg_%d", i), validBody))
		assert.Equal(t, want, resp.StatusCode, "message %d", i)
	}
	// Once the first ids expire there is room again.
	f.clock.Advance(5*time.Minute + time.Second)
	resp := serve(f.rc.Trigger(), f.signed(t, "msg_late", validBody))
	assert.Equal(t, http.StatusAccepted, resp.StatusCode)
}

func TestNewNeedsTarget(t *testing.T) {
	_, err := New(Config{})
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "webhook: "))
}

func TestDecodePayload(t *testing.T) {
	tests := []struct {
		name, body string
		want       Payload
		ok         bool
	}{
		{"full", validBody, Payload{"SVC-DEP-001", "payments", "p99 above SLO", true}, true},
		{"code only", `{"code":"DB-CONN-001"}`, Payload{Code: "DB-CONN-001"}, true},
		{"trailing whitespace", "{\"code\":\"DB-CONN-001\"}\n", Payload{Code: "DB-CONN-001"}, true},
		{"null", `null`, Payload{}, false},
		{"array", `[]`, Payload{}, false},
		{"code with space", `{"code":"SVC DEP"}`, Payload{}, false},
		{"code too long", `{"code":"` + strings.Repeat("A", 65) + `"}`, Payload{}, false},
		{"code lower-case", `{"code":"svc-dep-001"}`, Payload{}, false},
		{"code not DOMAIN-CATEGORY-NNN", `{"code":"SVC_DEP.001"}`, Payload{}, false},
		{"code number too short", `{"code":"SVC-DEP-1"}`, Payload{}, false},
		{"target too long", `{"code":"DB-CONN-001","target":"` + strings.Repeat("t", 129) + `"}`,
			Payload{}, false},
		{"reason too long", `{"code":"DB-CONN-001","reason":"` + strings.Repeat("r", 513) + `"}`,
			Payload{}, false},
		{"dry_run not bool", `{"code":"DB-CONN-001","dry_run":"yes"}`, Payload{}, false},
		// encoding/json replaces invalid UTF-8 with U+FFFD, which is harmless.
		{"invalid UTF-8", "{\"code\":\"DB-CONN-001\",\"reason\":\"\xff\"}",
			Payload{Code: "DB-CONN-001", Reason: "\ufffd"}, true},
		{"empty", ``, Payload{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := decodePayload([]byte(tt.body))
			if !tt.ok {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, p)
		})
	}
}
