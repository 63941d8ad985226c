package supervisor

import (
	"log/slog"
	"time"
)

// Limit is a count within a period: "10 actions per hour", "3 actions
// within 30 minutes". The zero value means the field's default.
type Limit struct {
	// N is the count. Zero means the default; negative means no limit.
	N int
	// Per is the period. Zero means the default.
	Per time.Duration
}

// Config configures a [Supervisor]. The zero value of every field is a
// working default, so Config{} is a supervisor that audits to memory only,
// keeps guardrail state in memory, and notifies nobody.
type Config struct {
	// Clock is the source of time for every guardrail. Nil means
	// [SystemClock].
	Clock Clock
	// Logger receives the transitions an operator acts on (health lost and
	// regained, a target given up, a mute, a torn audit tail) at Info and
	// Warn, per-decision detail at Debug. Nil means [slog.Default].
	Logger *slog.Logger

	// AuditSink receives every audit record. Nil means none besides the
	// file at AuditPath.
	AuditSink AuditSink
	// AuditPath, when set, is a JSON Lines trail written by a [FileSink] in
	// addition to AuditSink. Empty means no file; the last records are
	// still kept in memory (see RecentRecords).
	AuditPath string
	// StatePath is where a [LocalStore] keeps guardrail state across
	// restarts. Empty means AuditPath + ".state.json" when AuditPath is
	// set, else memory only. Ignored when Store is set.
	StatePath string
	// Store keeps cooldowns, attempts, give-ups and the mute. Nil means a
	// [LocalStore] at StatePath.
	Store Store

	// Notifiers are told of actions, escalations and health changes. Nil
	// means nobody is notified.
	Notifiers []Notifier

	// Workers is how many actions may run at once. Zero means 4.
	Workers int
	// ActionTimeout bounds one action; Trigger.Timeout overrides it. Zero
	// means 30 seconds.
	ActionTimeout time.Duration
	// Cooldown is how long the same action on the same target is skipped
	// after an attempt; Trigger.Cooldown overrides it. Zero means 10
	// minutes.
	Cooldown time.Duration
	// Budget caps actions across all targets. Zero means 10 per hour.
	Budget Limit
	// Intensity is how many actions one target may need within a period
	// before the supervisor gives up on it and escalates. Zero means 3
	// within an hour.
	Intensity Limit
	// VerifyWindow is how long after a successful action Trigger.Verify is
	// asked whether the condition cleared. Zero means one minute.
	VerifyWindow time.Duration
	// DryRun records what would run instead of running anything.
	DryRun bool
	// StallLimit is how long one turn of the decision loop may take before
	// the watchdog declares the supervisor unhealthy. Zero means 30 seconds.
	StallLimit time.Duration

	// QueueSize bounds triggers waiting for a decision. Zero means 256.
	QueueSize int
	// NotifyQueueSize bounds notifications waiting to be sent; beyond it
	// they are dropped and counted. Zero means 64.
	NotifyQueueSize int
	// NotifyRetries is how many times a failed notification is retried.
	// Zero means 3; negative means never.
	NotifyRetries int
	// NotifyBackoff is the wait before the first retry, doubling after
	// each. Zero means one second.
	NotifyBackoff time.Duration
	// RecentRecords is how many of the last audit records are kept in
	// memory for [Supervisor.Recent]. Zero means 100.
	RecentRecords int

	hooks *hooks // set by tests only
}

// hooks let the package's own tests stop the loop and watch the watchdog.
type hooks struct {
	beforeTurn func()                      // called by the loop before each turn
	afterTick  func(h Health, pinged bool) // called by the watchdog after each tick
}

// withDefaults returns c with every zero field replaced by its default.
func (c Config) withDefaults() Config {
	c.Clock = clockOrSystem(c.Clock)
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	c.Workers = orSize(c.Workers, 4)
	c.ActionTimeout = orDur(c.ActionTimeout, 30*time.Second)
	c.Cooldown = orDur(c.Cooldown, 10*time.Minute)
	c.Budget = orLimit(c.Budget, Limit{N: 10, Per: time.Hour})
	c.Intensity = orLimit(c.Intensity, Limit{N: 3, Per: time.Hour})
	c.VerifyWindow = orDur(c.VerifyWindow, time.Minute)
	c.StallLimit = orDur(c.StallLimit, 30*time.Second)
	c.QueueSize = orSize(c.QueueSize, 256)
	c.NotifyQueueSize = orSize(c.NotifyQueueSize, 64)
	c.NotifyRetries = orInt(c.NotifyRetries, 3)
	c.NotifyBackoff = orDur(c.NotifyBackoff, time.Second)
	c.RecentRecords = orSize(c.RecentRecords, 100)
	if c.StatePath == "" && c.AuditPath != "" {
		c.StatePath = c.AuditPath + ".state.json"
	}
	if c.hooks == nil {
		c.hooks = &hooks{}
	}
	return c
}

func orInt(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// orSize is orInt for a count that cannot be negative: a negative one
// means the default too, rather than a panic in make or a WaitGroup.
func orSize(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

func orDur(v, def time.Duration) time.Duration {
	if v <= 0 {
		return def
	}
	return v
}

func orLimit(v, def Limit) Limit {
	if v.N == 0 {
		v.N = def.N
	}
	if v.Per <= 0 {
		v.Per = def.Per
	}
	return v
}
