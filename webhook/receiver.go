package webhook

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/selfheal/selfheal/heal"
)

// Target is what a [Receiver] hands requests to: in a service, the
// *heal.Healer. It is an interface so the receiver can be tested, and
// reused, without a running supervisor.
//
// Implementations must be safe for concurrent use: methods are called
// from HTTP handler goroutines, and Reject also from the receiver's own
// summary goroutine. No method is called with a receiver lock held.
type Target interface {
	// Fire runs r through policies and guardrails and records its audit
	// outcome, whatever it is, rejections included. It returns an error
	// wrapping [heal.ErrNotEligible] when the code is unknown or no policy
	// binds it, and one wrapping [supervisor.ErrUnhealthy],
	// [supervisor.ErrQueueFull] or [supervisor.ErrClosed] when the
	// supervisor could not take the request; the receiver answers those
	// 422 and 503. Any other error (a guardrail skipped the action, the
	// action failed, ctx ended while waiting) means the request was taken
	// and its outcome audited, and is answered 202. Fire may wait for the
	// decision until ctx, which carries Config.FireTimeout, is done.
	Fire(ctx context.Context, r heal.Request) error
	// Reject records in the audit trail that r was refused, and why,
	// without running anything. It must not block for long.
	Reject(r heal.Request, why string)
	// Known reports whether the taxonomy defines code.
	Known(code string) bool
}

// Defaults for the zero fields of [Config].
const (
	DefaultTolerance      = 5 * time.Minute
	DefaultReplayCapacity = 10000
	DefaultMaxBodyBytes   = 64 << 10
	DefaultReadTimeout    = 10 * time.Second
	DefaultFireTimeout    = 5 * time.Second
	DefaultRejectInterval = time.Minute
	DefaultSender         = "signed"
	DefaultCodeLabel      = "error_code"
	DefaultTargetLabel    = "target"
)

// Config configures a [Receiver]. Target is required; every other field's
// zero value is a working default, described on the field.
type Config struct {
	// Target receives accepted triggers and rejections. Required.
	Target Target

	// Secrets verify signed triggers. Several may be active at once, so
	// a secret is rotated by adding the new one, moving the sender to it,
	// then removing the old one. Empty: the signed route refuses every
	// request with 401.
	Secrets []Secret
	// Sender names whoever holds the secrets; signed triggers are recorded
	// with the actor "webhook:<Sender>". Empty means "signed".
	Sender string
	// Tolerance is how far webhook-timestamp may be from the clock, in
	// either direction, and how long a message id is remembered to refuse
	// replays. Zero means 5 minutes.
	Tolerance time.Duration
	// ReplayCapacity bounds how many message ids are remembered. When it
	// is reached with no id old enough to forget, signed triggers are
	// refused with 429 until some expire. Zero means 10000.
	ReplayCapacity int

	// Tokens authenticate Alertmanager, which sends one of them as
	// "Authorization: Bearer <token>". Several may be active, for
	// rotation. Empty: the Alertmanager route refuses every request
	// with 401.
	Tokens []Token
	// CodeLabel is the alert label carrying the taxonomy code. Empty
	// means "error_code".
	CodeLabel string
	// TargetLabel is the alert label naming what to act on. Empty means
	// "target"; an alert without it asks for the policy's default target.
	TargetLabel string

	// MaxBodyBytes bounds a request body; larger bodies get 413. Zero
	// means 64 KiB. Alertmanager groups can exceed this: set max_alerts
	// in its webhook_config or raise the limit.
	MaxBodyBytes int64
	// ReadTimeout bounds reading a request body, through the connection's
	// read deadline where the server supports one. It complements, and
	// does not replace, http.Server.ReadTimeout, which should be set.
	// Zero means 10 seconds.
	ReadTimeout time.Duration
	// FireTimeout bounds how long one request waits for the supervisor's
	// decisions (all of an Alertmanager batch share it). When it passes,
	// triggers already queued still run and are audited, and the request
	// is answered 202. Keep it below the sender's timeout (Standard
	// Webhooks suggests senders wait 15 to 30 seconds). Zero means 5
	// seconds.
	FireTimeout time.Duration
	// RejectInterval is the period over which rejections for one reason
	// are aggregated: the first is recorded, the rest are counted and
	// recorded as one summary. Zero means one minute.
	RejectInterval time.Duration

	// Clock is the source of time for timestamps, replay expiry and
	// rejection summaries. Nil means the system clock.
	Clock heal.Clock
	// Logger receives the receiver's log; per-request detail is at Debug.
	// Nil means slog.Default().
	Logger *slog.Logger
}

// Receiver accepts triggers over HTTP: signed Standard Webhooks requests
// on [Receiver.Trigger] and Alertmanager notifications on
// [Receiver.Alertmanager]. Make one with [New] and [Receiver.Close] it when
// done. A Receiver is safe for concurrent use.
type Receiver struct {
	cfg    Config // with defaults filled in
	tokens tokenSet
	replay *replayCache
	rej    *rejecter
	once   sync.Once
}

// New returns a Receiver for cfg. It starts one goroutine, which writes
// rejection summaries; [Receiver.Close] stops it.
func New(cfg Config) (*Receiver, error) {
	if cfg.Target == nil {
		return nil, errors.New("webhook: Config.Target is nil")
	}
	cfg = withDefaults(cfg)
	return &Receiver{
		cfg:    cfg,
		tokens: newTokenSet(cfg.Tokens),
		replay: newReplayCache(cfg.ReplayCapacity),
		rej:    newRejecter(cfg.Target, cfg.Logger, cfg.Clock, cfg.RejectInterval),
	}, nil
}

// withDefaults fills the zero (or negative) fields of cfg.
func withDefaults(cfg Config) Config {
	orDur := func(d *time.Duration, def time.Duration) {
		if *d <= 0 {
			*d = def
		}
	}
	orStr := func(s *string, def string) {
		if *s == "" {
			*s = def
		}
	}
	orDur(&cfg.Tolerance, DefaultTolerance)
	orDur(&cfg.ReadTimeout, DefaultReadTimeout)
	orDur(&cfg.FireTimeout, DefaultFireTimeout)
	orDur(&cfg.RejectInterval, DefaultRejectInterval)
	orStr(&cfg.Sender, DefaultSender)
	orStr(&cfg.CodeLabel, DefaultCodeLabel)
	orStr(&cfg.TargetLabel, DefaultTargetLabel)
	if cfg.ReplayCapacity <= 0 {
		cfg.ReplayCapacity = DefaultReplayCapacity
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.Clock == nil {
		cfg.Clock = heal.SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return cfg
}

// Close stops the summary goroutine and records any rejections still
// being counted. The handlers keep working after Close, but summaries are
// then written only when a later rejection arrives. Close is idempotent
// and always returns nil.
func (rc *Receiver) Close() error {
	rc.once.Do(rc.rej.close)
	return nil
}
