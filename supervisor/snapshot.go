package supervisor

import (
	"slices"
	"strings"
	"time"
)

// Snapshot is the supervisor's state as plain data for a status page.
type Snapshot struct {
	Time      time.Time       `json:"time"`
	Health    Health          `json:"health"`
	Cooldowns []CooldownState `json:"cooldowns"` // in force, soonest to end first
	Budget    BudgetState     `json:"budget"`
	Mute      *Mute           `json:"mute,omitempty"` // nil unless in force
	GivenUp   []GivenUpState  `json:"given_up"`       // by target
	// Queued is how many triggers wait for a decision.
	Queued int `json:"queued"`
	// NotificationsDropped counts notifications lost to a full queue or to
	// Close; NotificationsFailed those that failed every retry.
	NotificationsDropped uint64 `json:"notifications_dropped"`
	NotificationsFailed  uint64 `json:"notifications_failed"`
	// SystemdPings counts WATCHDOG=1 datagrams sent.
	SystemdPings uint64 `json:"systemd_pings"`
	// Recent holds the last audit records, oldest first.
	Recent []Record `json:"recent"`
	// AuditTornTail describes the torn record cut off the audit file when
	// it was opened after a crash; empty when the file was intact.
	AuditTornTail string `json:"audit_torn_tail,omitempty"`
	// StoreError is set when the guardrail store could not be read.
	StoreError string `json:"store_error,omitempty"`
}

// CooldownState is one cooldown in force.
type CooldownState struct {
	Action string    `json:"action"`
	Target string    `json:"target"`
	Until  time.Time `json:"until"`
}

// BudgetState is the global action budget.
type BudgetState struct {
	// Unlimited is set when Config.Budget.N is negative.
	Unlimited bool `json:"unlimited,omitempty"`
	// Limit actions per Per; Tokens is how many could run now.
	Limit  int           `json:"limit"`
	Per    time.Duration `json:"per_ns"`
	Tokens float64       `json:"tokens"`
}

// GivenUpState is a target the supervisor stopped automating.
type GivenUpState struct {
	Target string    `json:"target"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason"`
}

// Snapshot returns the current state. Like Health, it does not wait for the
// decision loop.
func (s *Supervisor) Snapshot() Snapshot {
	now := s.clock.Now()
	snap := Snapshot{
		Time: now, Health: s.healthAt(now), Queued: len(s.in),
		Budget:               s.budgetAt(now),
		NotificationsDropped: s.notes.dropped.Load(),
		NotificationsFailed:  s.notes.failed.Load(),
		SystemdPings:         s.sdPings.Load(),
		Recent:               s.Recent(),
	}
	if s.file != nil && s.file.Recovered() != nil {
		snap.AuditTornTail = s.file.Recovered().Error()
	}
	st, err := s.store.State()
	if err != nil {
		snap.StoreError = err.Error()
		return snap
	}
	snap.Cooldowns = cooldownsAt(st, now)
	if st.Mute.ActiveAt(now) {
		m := st.Mute
		snap.Mute = &m
	}
	for target, g := range st.GivenUp {
		snap.GivenUp = append(snap.GivenUp,
			GivenUpState{Target: target, At: g.At, Reason: g.Reason})
	}
	slices.SortFunc(snap.GivenUp, func(a, b GivenUpState) int {
		return strings.Compare(a.Target, b.Target)
	})
	return snap
}

func (s *Supervisor) budgetAt(now time.Time) BudgetState {
	b := BudgetState{Limit: s.cfg.Budget.N, Per: s.cfg.Budget.Per}
	if s.budget == nil {
		b.Unlimited = true
		return b
	}
	b.Tokens = s.budget.TokensAt(now)
	return b
}

// cooldownsAt lists the cooldowns of st in force at now.
func cooldownsAt(st StoreState, now time.Time) []CooldownState {
	var out []CooldownState
	for k, until := range st.Cooldowns {
		if now.Before(until) {
			a, t := SplitCooldownKey(k)
			out = append(out, CooldownState{Action: a, Target: t, Until: until})
		}
	}
	slices.SortFunc(out, func(a, b CooldownState) int {
		if c := a.Until.Compare(b.Until); c != 0 {
			return c
		}
		return strings.Compare(CooldownKey(a.Action, a.Target), CooldownKey(b.Action, b.Target))
	})
	return out
}
