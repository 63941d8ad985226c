package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"mime"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/selfheal/selfheal/heal"
	"github.com/selfheal/selfheal/supervisor"
)

// Route names, used in audit attributes and to key rejection summaries.
const (
	routeTrigger      = "trigger"
	routeAlertmanager = "alertmanager"
)

// Reasons recorded with rejections. They reach the audit trail and the
// debug log, never the client.
const (
	whyMethod      = "method not allowed"
	whyMediaType   = "unsupported media type"
	whyNoAuth      = "missing credentials"
	whyBadAuth     = "bad credentials"
	whyMalformedTS = "malformed timestamp"
	whyStale       = "timestamp outside tolerance"
	whyTooLarge    = "body too large"
	whyReadTimeout = "body read timed out"
	whyReadFailed  = "body read failed"
	whyReplay      = "replayed message id"
	whyReplayFull  = "replay memory full"
	whyMalformed   = "malformed body"
	whyUnknownCode = "unknown code"
	whyNoCode      = "no code label"
	whyResolved    = "resolved"
)

// unverified is the actor of a request whose sender is not yet known.
const unverified = "webhook:unverified"

// problem is an RFC 9457 problem document. It deliberately carries only
// the status and its standard title: saying which check failed would help
// an attacker more than it helps an honest sender, who has the audit.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
}

// writeProblem answers with status and a generic problem body.
func writeProblem(w http.ResponseWriter, status int) {
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(problem{
		Type: "about:blank", Title: http.StatusText(status), Status: status,
	})
}

// respond answers status after the target has had the request: an empty
// 202, or a generic problem. The target has already audited the outcome.
func respond(w http.ResponseWriter, status int) {
	if status == http.StatusAccepted {
		w.WriteHeader(status)
		return
	}
	writeProblem(w, status)
}

// refuse records req as rejected for why and answers status.
func (rc *Receiver) refuse(w http.ResponseWriter, r *http.Request, route string,
	req heal.Request, status int, why string) {
	req.Source = supervisor.SourceWebhook
	if req.Actor == "" {
		req.Actor = unverified
	}
	req.Attrs = withOrigin(req.Attrs, r, route)
	req.Attrs["status"] = strconv.Itoa(status)
	rc.rej.reject(route, req, why)

	switch status {
	case http.StatusMethodNotAllowed:
		w.Header().Set("Allow", http.MethodPost)
	case http.StatusUnauthorized:
		if route == routeAlertmanager {
			w.Header().Set("WWW-Authenticate", "Bearer")
		}
	}
	writeProblem(w, status)
}

// withOrigin returns a copy of attrs with the route a request came in on
// and the client's address added, for its audit record. The caller's map
// is left untouched.
func withOrigin(attrs map[string]string, r *http.Request, route string) map[string]string {
	out := make(map[string]string, len(attrs)+3) // room for refuse's status too
	maps.Copy(out, attrs)
	out["route"] = route
	out["remote"] = r.RemoteAddr
	return out
}

// checkRequest refuses anything but a POST of JSON, answering for it.
func (rc *Receiver) checkRequest(w http.ResponseWriter, r *http.Request, route string) bool {
	if r.Method != http.MethodPost {
		rc.refuse(w, r, route, heal.Request{}, http.StatusMethodNotAllowed, whyMethod)
		return false
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		rc.refuse(w, r, route, heal.Request{}, http.StatusUnsupportedMediaType, whyMediaType)
		return false
	}
	return true
}

// readBody reads the request body within the size limit and the read
// timeout. On failure it returns the status and reason to refuse with.
func (rc *Receiver) readBody(w http.ResponseWriter, r *http.Request) ([]byte, int, string) {
	// The deadline is on the connection, so it is wall-clock time, not the
	// injected clock. Servers that cannot set one (or a ResponseRecorder)
	// report ErrNotSupported, and http.Server.ReadTimeout must do instead.
	ctl := http.NewResponseController(w)
	if ctl.SetReadDeadline(time.Now().Add(rc.cfg.ReadTimeout)) == nil {
		// Cleared afterwards: the server's background read would otherwise
		// hit it and cancel the request context while Fire runs.
		defer func() { _ = ctl.SetReadDeadline(time.Time{}) }()
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, rc.cfg.MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case err == nil:
		return body, 0, ""
	case errors.As(err, &tooLarge):
		return nil, http.StatusRequestEntityTooLarge, whyTooLarge
	case errors.Is(err, os.ErrDeadlineExceeded):
		return nil, http.StatusRequestTimeout, whyReadTimeout
	default:
		return nil, http.StatusBadRequest, whyReadFailed
	}
}

// fire hands req to the target and returns the status to answer with.
// ctx bounds how long to wait for the supervisor's decision; see
// [Receiver.fireContext].
//
// Only a supervisor that could not take the request at all (unhealthy,
// queue full, closed) is answered 503, so the sender retries. A trigger
// that was taken is answered 202 whatever became of it: a guardrail
// skipping it or its action failing is a decision already in the audit,
// and answering it with an error would make senders retry into the same
// guardrail. The same holds when ctx ends first: the trigger is queued and
// its outcome will be audited.
func (rc *Receiver) fire(ctx context.Context, req heal.Request) int {
	err := rc.cfg.Target.Fire(ctx, req)
	switch {
	case err == nil:
		rc.cfg.Logger.Debug("webhook: trigger accepted", "code", req.Code,
			"target", req.Target, "actor", req.Actor)
		return http.StatusAccepted
	case errors.Is(err, heal.ErrNotEligible):
		rc.cfg.Logger.Debug("webhook: trigger not eligible", "code", req.Code,
			"actor", req.Actor)
		return http.StatusUnprocessableEntity
	case errors.Is(err, supervisor.ErrUnhealthy), errors.Is(err, supervisor.ErrQueueFull),
		errors.Is(err, supervisor.ErrClosed):
		rc.cfg.Logger.Debug("webhook: trigger refused", "code", req.Code,
			"actor", req.Actor, "err", err)
		return http.StatusServiceUnavailable
	default:
		rc.cfg.Logger.Debug("webhook: trigger taken, not completed", "code", req.Code,
			"actor", req.Actor, "err", err)
		return http.StatusAccepted
	}
}

// fireContext returns the context for the Fire calls of one request: the
// request's values without its cancellation, so a client hanging up does
// not abandon an authenticated trigger halfway, and one FireTimeout for
// the whole request, so a large Alertmanager batch waits no longer than a
// single trigger.
func (rc *Receiver) fireContext(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(r.Context()), rc.cfg.FireTimeout)
}
