package webhook

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/selfheal/selfheal/heal"
	"github.com/selfheal/selfheal/supervisor"
)

// maxAttrLen bounds the alert fields copied into audit attributes.
const maxAttrLen = 256

// amPayload is Alertmanager's webhook notification, version "4". Fields
// this package does not use are decoded anyway, so their types are
// checked, and fields newer than this code (truncatedAlerts was added
// after the first release of version 4) are ignored rather than refused:
// Alertmanager adds fields without changing the version.
type amPayload struct {
	Version           string            `json:"version"`
	GroupKey          string            `json:"groupKey"`
	TruncatedAlerts   int               `json:"truncatedAlerts"`
	Status            string            `json:"status"`
	Receiver          string            `json:"receiver"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	Alerts            []amAlert         `json:"alerts"`
}

// amAlert is one alert of an [amPayload].
type amAlert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
}

const (
	amFiring   = "firing"
	amResolved = "resolved"
)

// Alertmanager returns the handler for Alertmanager's webhook receiver:
// POST, JSON, "Authorization: Bearer <token>" with one of Config.Tokens.
// Each firing alert labelled with a known code becomes a trigger; resolved
// and ineligible alerts are recorded. The batch is answered 202 if any
// alert was taken or recorded as resolved, 422 if none was eligible, and
// 503 if the supervisor could not take one (Alertmanager then retries the
// group).
func (rc *Receiver) Alertmanager() http.Handler {
	return http.HandlerFunc(rc.serveAlertmanager)
}

func (rc *Receiver) serveAlertmanager(w http.ResponseWriter, r *http.Request) {
	route := routeAlertmanager
	if !rc.checkRequest(w, r, route) {
		return
	}
	if status, why := rc.checkBearer(r); status != 0 {
		rc.refuse(w, r, route, heal.Request{}, status, why)
		return
	}
	body, status, why := rc.readBody(w, r)
	if status != 0 {
		rc.refuse(w, r, route, heal.Request{}, status, why)
		return
	}
	p, err := decodeAlertmanager(body)
	if err != nil {
		authed := heal.Request{Actor: "webhook:" + route}
		rc.refuse(w, r, route, authed, http.StatusBadRequest, whyMalformed)
		return
	}
	respond(w, rc.handleAlerts(r, p))
}

// checkBearer checks the Authorization header against Config.Tokens. The
// scheme is matched without regard to case, as RFC 9110 says.
func (rc *Receiver) checkBearer(r *http.Request) (int, string) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return http.StatusUnauthorized, whyNoAuth
	}
	if !rc.tokens.match(token) {
		return http.StatusUnauthorized, whyBadAuth
	}
	return 0, ""
}

// tokenSet holds the SHA-256 digest of each configured token, computed
// once so that a request costs a single hash.
type tokenSet [][sha256.Size]byte

// newTokenSet digests tokens, leaving out empty ones: an empty token
// must never match.
func newTokenSet(tokens []Token) tokenSet {
	var s tokenSet
	for _, t := range tokens {
		if t != "" {
			s = append(s, sha256.Sum256([]byte(t)))
		}
	}
	return s
}

// match reports whether token is one of the set, in time that does not
// depend on which one matched or on how much of it matched. Comparing
// digests makes every comparison 32 bytes, so lengths do not leak either.
func (s tokenSet) match(token string) bool {
	got := sha256.Sum256([]byte(token))
	match := 0
	for _, want := range s {
		match |= subtle.ConstantTimeCompare(got[:], want[:])
	}
	return match == 1
}

// alertOutcome is what became of one alert.
type alertOutcome int

const (
	alertTaken alertOutcome = iota
	alertResolved
	alertIneligible
	alertRefused
)

// handleAlerts processes every alert of p and returns the batch's status.
// A refusal (the supervisor could not take a trigger at all) wins over
// success so Alertmanager retries the group: the alerts already taken meet
// their cooldown on the retry, which is the guardrails' job, whereas a
// lost trigger would not be recovered.
func (rc *Receiver) handleAlerts(r *http.Request, p *amPayload) int {
	ctx, cancel := rc.fireContext(r)
	defer cancel()
	var taken, refused bool
	for i := range p.Alerts {
		switch rc.handleAlert(ctx, r, p, &p.Alerts[i]) {
		case alertTaken, alertResolved:
			taken = true
		case alertRefused:
			refused = true
		}
	}
	switch {
	case refused:
		return http.StatusServiceUnavailable
	case taken:
		return http.StatusAccepted
	default:
		return http.StatusUnprocessableEntity
	}
}

// handleAlert turns one alert into a trigger or an audit record.
func (rc *Receiver) handleAlert(ctx context.Context, r *http.Request, p *amPayload,
	a *amAlert) alertOutcome {
	req := rc.alertRequest(p, a)
	switch {
	case a.Status == amResolved:
		rc.resolved(r, req)
		return alertResolved
	case a.Labels[rc.cfg.CodeLabel] == "":
		rc.note(r, req, whyNoCode)
		return alertIneligible
	case req.Code == "" || !rc.cfg.Target.Known(req.Code):
		rc.note(r, req, whyUnknownCode)
		return alertIneligible
	}
	switch rc.fire(ctx, req) {
	case http.StatusAccepted:
		return alertTaken
	case http.StatusUnprocessableEntity:
		return alertIneligible
	default:
		return alertRefused
	}
}

// Noter is implemented by a [Target] that can record events that are not
// triggers, as [heal.Healer] does. A resolved alert is noted there; with a
// Target that cannot note, it is recorded as a rejection that names the
// reason "resolved".
type Noter interface {
	Note(r heal.Request, note string)
}

// resolved records a resolved alert: nothing runs, and nothing was refused.
func (rc *Receiver) resolved(r *http.Request, req heal.Request) {
	n, ok := rc.cfg.Target.(Noter)
	if !ok {
		rc.note(r, req, whyResolved)
		return
	}
	req.Attrs = withOrigin(req.Attrs, r, routeAlertmanager)
	n.Note(req, "alert resolved")
}

// note records an alert that will not fire, without answering the request:
// the batch's status is decided once every alert has been seen.
func (rc *Receiver) note(r *http.Request, req heal.Request, why string) {
	req.Attrs = withOrigin(req.Attrs, r, routeAlertmanager)
	rc.rej.reject(routeAlertmanager, req, why)
}

// alertRequest builds the request an alert asks for.
func (rc *Receiver) alertRequest(p *amPayload, a *amAlert) heal.Request {
	name := clip(a.Labels["alertname"])
	reason := clip(a.Annotations["summary"])
	if reason == "" {
		reason = "alert " + name + " " + a.Status
	}
	// Label values that fail the syntax checks are dropped: they could
	// never name a real code or target, and stay out of the audit.
	code := a.Labels[rc.cfg.CodeLabel]
	if !validCode(code) {
		code = ""
	}
	target := a.Labels[rc.cfg.TargetLabel]
	if !validText(target, maxTargetLen) {
		target = ""
	}
	return heal.Request{
		Code:   code,
		Target: target,
		Source: supervisor.SourceWebhook,
		Actor:  "webhook:" + p.Receiver,
		Reason: reason,
		Attrs: map[string]string{
			"alertname":     name,
			"fingerprint":   clip(a.Fingerprint),
			"starts_at":     a.StartsAt.UTC().Format(time.RFC3339),
			"generator_url": clip(a.GeneratorURL),
			"group_key":     clip(p.GroupKey),
		},
	}
}

// clip makes s safe for an audit attribute: bounded, without control
// characters. Invalid text is dropped rather than repaired.
func clip(s string) string {
	if len(s) > maxAttrLen {
		s = strings.ToValidUTF8(s[:maxAttrLen], "")
	}
	if !validText(s, maxAttrLen) {
		return ""
	}
	return s
}

// decodeAlertmanager parses and validates an Alertmanager notification.
func decodeAlertmanager(body []byte) (*amPayload, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	var p amPayload
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("webhook: alertmanager payload: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("webhook: alertmanager payload: data after the JSON object")
	}
	return &p, p.validate()
}

// validate checks what handling relies on.
func (p *amPayload) validate() error {
	if p.Version != "4" {
		return fmt.Errorf("webhook: alertmanager payload version %q, want \"4\"", clip(p.Version))
	}
	if p.Receiver == "" || !validText(p.Receiver, maxAttrLen) {
		return errors.New("webhook: alertmanager payload: missing or malformed receiver")
	}
	if len(p.Alerts) == 0 {
		return errors.New("webhook: alertmanager payload has no alerts")
	}
	for i, a := range p.Alerts {
		if a.Status != amFiring && a.Status != amResolved {
			return fmt.Errorf("webhook: alertmanager alert %d: status %q", i, clip(a.Status))
		}
	}
	return nil
}
