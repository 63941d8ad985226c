package statuspage

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/selfheal/selfheal/breaker"
	"github.com/selfheal/selfheal/flags"
	"github.com/selfheal/selfheal/supervisor"
)

const (
	maxForm   = 8 << 10 // bytes of form body a control reads
	maxReason = 200     // runes of reason kept
	// undoWait bounds how long a reset or revive waits for the supervisor
	// to run it, so a stalled supervisor cannot hold requests forever.
	undoWait = 30 * time.Second
)

// controlError is a control's failure with the status it answers.
type controlError struct {
	code int
	msg  string
}

func (e *controlError) Error() string { return e.msg }

func fail(code int, format string, args ...any) error {
	return &controlError{code: code, msg: "statuspage: " + fmt.Sprintf(format, args...)}
}

// errQueued is returned, wrapped, by a control whose request the
// supervisor took but had not decided when the page stopped waiting. It
// is not a failure: the request still runs and is audited, so the page
// answers 202, as the webhook receiver does, rather than invite a retry
// that would queue the same request twice.
var errQueued = errors.New("statuspage: queued; the outcome will be in the audit trail")

// controlFunc does one control for actor and says what it did, or what it
// asked for when it returns an error wrapping errQueued.
type controlFunc func(r *http.Request, actor string) (string, error)

// control wraps a control with the checks every one of them needs: same
// origin, a valid token, a bounded form.
func (p *Page) control(do controlFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := p.cop.Check(r); err != nil {
			writeJSON(w, http.StatusForbidden,
				reply{Error: "statuspage: cross-origin request refused"})
			return
		}
		actor, err := p.authorize(r)
		if err == nil {
			r.Body = http.MaxBytesReader(w, r.Body, maxForm)
			if perr := r.ParseForm(); perr != nil {
				err = fail(http.StatusBadRequest, "reading the form: %v", perr)
			}
		}
		var done string
		if err == nil {
			done, err = do(r, actor)
		}
		p.answer(w, r, actor, done, err)
	}
}

// reply is a control's JSON answer.
type reply struct {
	OK    bool   `json:"ok,omitempty"`
	Done  string `json:"done,omitempty"`
	Error string `json:"error,omitempty"`
}

func (p *Page) answer(w http.ResponseWriter, r *http.Request, actor, done string, err error) {
	switch {
	case err == nil:
		p.cfg.Logger.Info("statuspage: control used", "path", r.URL.Path, "actor", actor,
			"done", done)
		writeJSON(w, http.StatusOK, reply{OK: true, Done: done})
		return
	case errors.Is(err, errQueued):
		p.cfg.Logger.Info("statuspage: control queued", "path", r.URL.Path, "actor", actor,
			"asked", done)
		writeJSON(w, http.StatusAccepted,
			reply{OK: true, Done: done + ": queued; the outcome will be in the audit trail"})
		return
	}
	var ce *controlError
	if !errors.As(err, &ce) {
		ce = &controlError{code: http.StatusInternalServerError, msg: err.Error()}
	}
	if ce.code == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="statuspage"`)
	}
	writeJSON(w, ce.code, reply{Error: ce.msg})
}

// authorize returns the actor the request's bearer token names. The
// scheme is matched without regard to case, as RFC 9110 says.
func (p *Page) authorize(r *http.Request) (string, error) {
	if len(p.tokens) == 0 {
		return "", fail(http.StatusForbidden, "controls are disabled: no tokens configured")
	}
	scheme, secret, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || secret == "" {
		return "", fail(http.StatusUnauthorized, "a bearer token is required")
	}
	if op, ok := p.operator(secret); ok {
		return "human:" + op, nil
	}
	return "", fail(http.StatusUnauthorized, "invalid token")
}

// tokenDigest is a configured token's secret, digested once at New so that
// a request costs a single hash, and the operator it names.
type tokenDigest struct {
	sum      [sha256.Size]byte
	operator string
}

func digestTokens(tokens []Token) []tokenDigest {
	out := make([]tokenDigest, len(tokens))
	for i, t := range tokens {
		out[i] = tokenDigest{sum: sha256.Sum256([]byte(t.Secret)), operator: t.Operator}
	}
	return out
}

// operator finds the token matching secret. Comparing digests keeps the
// comparison constant-time whatever the lengths, and every token is
// compared so the time does not say which one matched.
func (p *Page) operator(secret string) (string, bool) {
	got := sha256.Sum256([]byte(secret))
	found := -1
	for i, t := range p.tokens {
		if subtle.ConstantTimeCompare(got[:], t.sum[:]) == 1 {
			found = i
		}
	}
	if found < 0 {
		return "", false
	}
	return p.tokens[found].operator, true
}

func (p *Page) mute(r *http.Request, actor string) (string, error) {
	d, err := time.ParseDuration(strings.TrimSpace(r.PostFormValue("for")))
	if err != nil || d <= 0 || d > p.cfg.MaxMute {
		return "", fail(http.StatusBadRequest, "mute for %q: want a duration in (0, %v], e.g. 30m",
			r.PostFormValue("for"), p.cfg.MaxMute)
	}
	reason := reasonOf(r, "muted from the status page")
	until := p.now().Add(d)
	if err := p.sup.Mute(until, reason, actor); err != nil {
		return "", err
	}
	return "muted for " + short(d), nil
}

func (p *Page) unmute(_ *http.Request, actor string) (string, error) {
	if err := p.sup.Unmute(actor); err != nil {
		return "", err
	}
	return "unmuted", nil
}

func (p *Page) rearm(r *http.Request, actor string) (string, error) {
	target := r.PostFormValue("target")
	given := p.sup.Snapshot().GivenUp
	isTarget := func(g supervisor.GivenUpState) bool { return g.Target == target }
	if !slices.ContainsFunc(given, isTarget) {
		return "", fail(http.StatusNotFound,
			"rearm %q: not a target the supervisor gave up on", target)
	}
	if err := p.sup.Rearm(target, actor); err != nil {
		return "", err
	}
	return "re-armed " + target, nil
}

// resetBreaker resets a breaker by undoing a trip through the supervisor,
// so that the reset is audited with its actor like any action.
func (p *Page) resetBreaker(r *http.Request, actor string) (string, error) {
	name := r.PostFormValue("name")
	if p.cfg.Breakers == nil {
		return "", fail(http.StatusNotFound, "reset %q: no breakers configured", name)
	}
	if _, ok := p.cfg.Breakers.Get(name); !ok {
		return "", fail(http.StatusNotFound, "reset %q: no such breaker", name)
	}
	t := p.manual(r, actor, name, "breaker reset from the status page")
	t.Action = breaker.Trip(p.cfg.Breakers, 0)
	return "reset breaker " + name, p.undo(r.Context(), t)
}

// reviveFlag revives a flag by undoing a kill through the supervisor, so
// that the revive is audited with its actor like any action.
func (p *Page) reviveFlag(r *http.Request, actor string) (string, error) {
	flag := r.PostFormValue("flag")
	if p.cfg.Flags == nil {
		return "", fail(http.StatusNotFound, "revive %q: no flag switch configured", flag)
	}
	if _, ok := p.cfg.Flags.Killed(flag); !ok {
		return "", fail(http.StatusNotFound, "revive %q: not a killed flag", flag)
	}
	t := p.manual(r, actor, flag, "flag revived from the status page")
	t.Action = flags.Kill(p.cfg.Flags)
	return "revived flag " + flag, p.undo(r.Context(), t)
}

func (p *Page) manual(r *http.Request, actor, target, why string) supervisor.Trigger {
	return supervisor.Trigger{Target: target, Source: supervisor.SourceManual,
		Actor: actor, Reason: reasonOf(r, why)}
}

// undo runs t's undo and turns an outcome other than ok into an error.
// When the wait ends first, the undo is still queued and will run and be
// audited: that is answered as taken (errQueued), not as a failure.
func (p *Page) undo(ctx context.Context, t supervisor.Trigger) error {
	ctx, cancel := context.WithTimeout(ctx, p.undoWait)
	defer cancel()
	rec, err := p.sup.Undo(ctx, t)
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return fmt.Errorf("undo %s on %q: %w", t.Action.Name(), t.Target, errQueued)
	case err != nil:
		return fail(http.StatusServiceUnavailable, "undo %s on %q: %v",
			t.Action.Name(), t.Target, err)
	case rec.Outcome != supervisor.OutcomeOK:
		return fail(http.StatusConflict, "undo %s on %q: %s %s %s", t.Action.Name(), t.Target,
			rec.Outcome, rec.Guardrail, rec.Error)
	}
	return nil
}

func (p *Page) injectFault(r *http.Request, actor string) (string, error) {
	return p.fault(r, actor, "inject", Faults.Inject)
}

func (p *Page) clearFault(r *http.Request, actor string) (string, error) {
	return p.fault(r, actor, "clear", Faults.Clear)
}

// fault injects or clears a named fault and notes it in the audit trail,
// so that what follows in the trail reads as the drill it was.
func (p *Page) fault(
	r *http.Request, actor, verb string, op func(Faults, string) error,
) (string, error) {
	name := r.PostFormValue("name")
	if p.cfg.Faults == nil {
		return "", fail(http.StatusNotFound, "%s %q: no faults configured", verb, name)
	}
	if err := op(p.cfg.Faults, name); err != nil {
		if errors.Is(err, ErrUnknown) {
			return "", fail(http.StatusNotFound, "%s %q: %v", verb, name, err)
		}
		return "", err
	}
	done := verb + " fault " + name
	t := supervisor.Trigger{Target: name, Source: supervisor.SourceManual, Actor: actor}
	if err := p.sup.Note(t, done); err != nil {
		p.cfg.Logger.Warn("statuspage: fault change not audited", "fault", name, "err", err)
	}
	return done, nil
}

// reasonOf returns the form's reason, trimmed and bounded, or def.
func reasonOf(r *http.Request, def string) string {
	s := strings.TrimSpace(r.PostFormValue("reason"))
	if s == "" {
		return def
	}
	if rs := []rune(s); len(rs) > maxReason {
		s = string(rs[:maxReason])
	}
	return s
}
