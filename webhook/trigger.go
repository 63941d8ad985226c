package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"unicode"
	"unicode/utf8"

	"github.com/selfheal/selfheal/heal"
	"github.com/selfheal/selfheal/supervisor"
)

// Bounds on the fields of a [Payload] and of alert labels.
const (
	maxTargetLen = 128
	maxReasonLen = 512
)

// Payload is the JSON body of a signed trigger:
//
//	{"code":"SVC-DEP-001","target":"payments","reason":"p99 above SLO","dry_run":false}
//
// Code is required and must be a well-formed [heal.Code]
// (DOMAIN-CATEGORY-NNN). Unknown fields, trailing data, a malformed code,
// a target over 128 bytes and a reason over 512 bytes are refused, as are
// control characters.
type Payload struct {
	// Code is the taxonomy code whose action should run.
	Code string `json:"code"`
	// Target is what to act on; empty means the policy's default target.
	Target string `json:"target,omitempty"`
	// Reason is recorded in the audit trail.
	Reason string `json:"reason,omitempty"`
	// DryRun asks to record what would run without running it.
	DryRun bool `json:"dry_run,omitempty"`
}

// Trigger returns the handler for signed triggers: POST, JSON, signed
// under the Standard Webhooks scheme with one of Config.Secrets. It
// answers 202 when the trigger was handed to the target; see the package
// documentation for every other status.
func (rc *Receiver) Trigger() http.Handler {
	return http.HandlerFunc(rc.serveTrigger)
}

func (rc *Receiver) serveTrigger(w http.ResponseWriter, r *http.Request) {
	if !rc.checkRequest(w, r, routeTrigger) {
		return
	}
	msg, status, why := rc.authenticate(w, r)
	if status != 0 {
		rc.refuse(w, r, routeTrigger, heal.Request{}, status, why)
		return
	}

	req := heal.Request{
		Source: supervisor.SourceWebhook,
		Actor:  "webhook:" + rc.cfg.Sender,
		Attrs:  map[string]string{"webhook_id": msg.id},
	}
	p, err := decodePayload(msg.body)
	if err != nil {
		rc.refuse(w, r, routeTrigger, req, http.StatusBadRequest, whyMalformed)
		return
	}
	req.Code, req.Target, req.Reason, req.DryRun = p.Code, p.Target, p.Reason, p.DryRun
	if !rc.cfg.Target.Known(p.Code) {
		rc.refuse(w, r, routeTrigger, req, http.StatusUnprocessableEntity, whyUnknownCode)
		return
	}

	ctx, cancel := rc.fireContext(r)
	defer cancel()
	status = rc.fire(ctx, req)
	if status == http.StatusServiceUnavailable {
		// Let the sender retry this message, id unchanged, once the
		// supervisor is back.
		rc.replay.release(msg.id)
	}
	respond(w, status)
}

// signed is a request whose signature checked out.
type signed struct {
	id   string
	body []byte
}

// authenticate checks the Standard Webhooks headers, reads the body and
// verifies its signature, then claims the message id against replays.
// Cheap header checks come before reading the body; the body is verified
// before anything parses it. On failure it returns a status and reason.
func (rc *Receiver) authenticate(w http.ResponseWriter, r *http.Request) (signed, int, string) {
	id := r.Header.Get(HeaderID)
	tsText := r.Header.Get(HeaderTimestamp)
	sig := r.Header.Get(HeaderSignature)
	if id == "" || tsText == "" || sig == "" {
		return signed{}, http.StatusUnauthorized, whyNoAuth
	}
	if checkID(id) != nil {
		return signed{}, http.StatusUnauthorized, whyBadAuth
	}
	ts, ok := parseTimestamp(tsText)
	if !ok {
		return signed{}, http.StatusUnauthorized, whyMalformedTS
	}
	now := rc.cfg.Clock.Now()
	if d := now.Sub(ts); d > rc.cfg.Tolerance || d < -rc.cfg.Tolerance {
		return signed{}, http.StatusUnauthorized, whyStale
	}

	body, status, why := rc.readBody(w, r)
	if status != 0 {
		return signed{}, status, why
	}
	if !verifySignature(rc.cfg.Secrets, id, tsText, sig, body) {
		return signed{}, http.StatusUnauthorized, whyBadAuth
	}

	switch rc.replay.claim(id, ts.Add(rc.cfg.Tolerance), now) {
	case replayed:
		return signed{}, http.StatusConflict, whyReplay
	case full:
		return signed{}, http.StatusTooManyRequests, whyReplayFull
	}
	return signed{id: id, body: body}, 0, ""
}

// decodePayload parses and validates a signed trigger's body.
func decodePayload(body []byte) (Payload, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var p Payload
	if err := dec.Decode(&p); err != nil {
		return Payload{}, fmt.Errorf("webhook: payload: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Payload{}, errors.New("webhook: payload: data after the JSON object")
	}
	return p, p.validate()
}

// validate applies the bounds documented on [Payload].
func (p Payload) validate() error {
	if !validCode(p.Code) {
		return errors.New("webhook: payload: missing or malformed code")
	}
	if !validText(p.Target, maxTargetLen) {
		return errors.New("webhook: payload: malformed target")
	}
	if !validText(p.Reason, maxReasonLen) {
		return errors.New("webhook: payload: malformed reason")
	}
	return nil
}

// validCode reports whether s is a well-formed [heal.Code]. The taxonomy
// has the final word through Target.Known; this keeps anything that could
// never name a code out of lookups, logs and audit records.
func validCode(s string) bool { return heal.Code(s).Validate() == nil }

// validText accepts valid UTF-8 of at most max bytes without control
// characters, which could forge lines in a text log.
func validText(s string, max int) bool {
	if len(s) > max || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}
