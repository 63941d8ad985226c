package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/selfheal/selfheal/heal"
	"github.com/selfheal/selfheal/healtest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// The Standard Webhooks reference vector, published with the reference
// libraries and reproduced independently in TestSignSpecVector.
const (
	specSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	specID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	specTimestamp = 1614265330
	specBody      = `{"test": 2432232314}`
	specSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

// rejection is one recorded Target.Reject call.
type rejection struct {
	req heal.Request
	why string
}

// fakeTarget records what a Receiver hands it. Its zero value knows no
// codes and accepts every Fire.
type fakeTarget struct {
	mu       sync.Mutex
	known    map[string]bool
	fireErr  error
	fired    []heal.Request
	rejected []rejection
	rejectCh chan rejection // when set, every Reject is also sent here
}

func newFakeTarget(codes ...string) *fakeTarget {
	t := &fakeTarget{known: map[string]bool{}, rejectCh: make(chan rejection, 1024)}
	for _, c := range codes {
		t.known[c] = true
	}
	return t
}

func (t *fakeTarget) Fire(ctx context.Context, r heal.Request) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := ctx.Deadline(); !ok {
		panic("Fire called without a deadline")
	}
	t.fired = append(t.fired, r)
	return t.fireErr
}

func (t *fakeTarget) Reject(r heal.Request, why string) {
	t.mu.Lock()
	t.rejected = append(t.rejected, rejection{r, why})
	t.mu.Unlock()
	if t.rejectCh != nil {
		t.rejectCh <- rejection{r, why}
	}
}

func (t *fakeTarget) Known(code string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.known[code]
}

func (t *fakeTarget) setFireErr(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.fireErr = err
}

func (t *fakeTarget) firedRequests() []heal.Request {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]heal.Request(nil), t.fired...)
}

func (t *fakeTarget) rejections() []rejection {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]rejection(nil), t.rejected...)
}

// whys returns the reasons of every recorded rejection, in order.
func (t *fakeTarget) whys() []string {
	var out []string
	for _, r := range t.rejections() {
		out = append(out, r.why)
	}
	return out
}

// waitReject returns the next rejection, failing the test if none comes.
// The timeout guards against a hung test; it never paces the test.
func (t *fakeTarget) waitReject(tb testing.TB) rejection {
	tb.Helper()
	select {
	case r := <-t.rejectCh:
		return r
	case <-time.After(10 * time.Second):
		tb.Fatal("no rejection recorded")
		return rejection{}
	}
}

// fixture is a Receiver on a fake clock with a recording target.
type fixture struct {
	rc     *Receiver
	target *fakeTarget
	clock  *healtest.Clock
	secret Secret
}

// newFixture returns a Receiver that knows SVC-DEP-001, verifies the spec
// secret, and accepts the bearer token "am-token". edit, when given,
// adjusts the configuration first.
func newFixture(t *testing.T, edit func(*Config)) *fixture {
	t.Helper()
	sec, err := ParseSecret(specSecret)
	require.NoError(t, err)
	f := &fixture{
		target: newFakeTarget("SVC-DEP-001"),
		clock:  healtest.NewClock(time.Time{}),
		secret: sec,
	}
	cfg := Config{
		Target:  f.target,
		Secrets: []Secret{sec},
		Sender:  "ci",
		Tokens:  []Token{"am-token"},
		Clock:   f.clock,
		Logger:  slog.New(slog.DiscardHandler),
	}
	if edit != nil {
		edit(&cfg)
	}
	f.rc, err = New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, f.rc.Close()) })
	return f
}

// signed builds a signed trigger request for body, sent now by the
// fixture's clock under the fixture's secret.
func (f *fixture) signed(t *testing.T, id, body string) *http.Request {
	t.Helper()
	return f.signedAt(t, id, f.clock.Now(), body, f.secret)
}

func (f *fixture) signedAt(
	t *testing.T, id string, ts time.Time, body string, secrets ...Secret,
) *http.Request {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/trigger", bytes.NewReader([]byte(body)))
	req.Header.Set("Content-Type", "application/json")
	require.NoError(t, SignRequest(req, id, ts, []byte(body), secrets...))
	return req
}

// serve runs req through h and returns the response.
func serve(h http.Handler, req *http.Request) *http.Response {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Result()
}

// requireProblem checks that resp is a generic problem document for status.
func requireProblem(t *testing.T, resp *http.Response, status int) {
	t.Helper()
	require.Equal(t, status, resp.StatusCode)
	require.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	want, err := json.Marshal(map[string]any{
		"type": "about:blank", "title": http.StatusText(status), "status": status,
	})
	require.NoError(t, err)
	require.JSONEq(t, string(want), string(body))
}
