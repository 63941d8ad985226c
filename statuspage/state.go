package statuspage

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/selfheal/selfheal/breaker"
	"github.com/selfheal/selfheal/heal"
	"github.com/selfheal/selfheal/supervisor"
)

// State is everything the page shows, as served by GET /status.json.
// Relative times ("9m12s") are computed on the server, on the page's
// clock, so that the browser's clock does not matter. A State is plain
// data, safe to copy.
type State struct {
	Title string    `json:"title"`
	Time  time.Time `json:"time"`
	// Refresh is the refresh interval in milliseconds; zero means none.
	Refresh int64 `json:"refresh_ms"`
	// Controls is set when tokens are configured, so controls can work.
	Controls bool `json:"controls"`

	Health     supervisor.Health `json:"health"`
	Guardrails Guardrails        `json:"guardrails"`
	Incidents  []Incident        `json:"incidents"`
	Codes      []Code            `json:"codes"`
	Policies   []Policy          `json:"policies"`
	Breakers   []Breaker         `json:"breakers"`
	Flags      []Flag            `json:"flags"`
	Faults     []Fault           `json:"faults"`
	// Audit holds the tail of the audit trail, newest first.
	Audit []Record `json:"audit"`

	// HasBreakers, HasFlags and HasFaults say which optional sections
	// are configured.
	HasBreakers bool `json:"has_breakers"`
	HasFlags    bool `json:"has_flags"`
	HasFaults   bool `json:"has_faults"`
}

// Guardrails is the supervisor's guardrail state.
type Guardrails struct {
	// Mute is nil unless automation is muted.
	Mute      *Mute      `json:"mute,omitempty"`
	Cooldowns []Cooldown `json:"cooldowns"`
	Budget    Budget     `json:"budget"`
	GivenUp   []GivenUp  `json:"given_up"`
	// Queued is how many triggers wait for a decision.
	Queued int `json:"queued"`
	// StoreError is set when the guardrail store could not be read.
	StoreError string `json:"store_error,omitempty"`
}

// Mute is a mute in force.
type Mute struct {
	Until  time.Time `json:"until"`
	Left   string    `json:"left"`
	Reason string    `json:"reason,omitempty"`
	By     string    `json:"by,omitempty"`
}

// Cooldown is an (action, target) the supervisor will not act on again
// until Until.
type Cooldown struct {
	Action string    `json:"action"`
	Target string    `json:"target"`
	Until  time.Time `json:"until"`
	Left   string    `json:"left"`
}

// Budget is the global action budget, described in Text.
type Budget struct {
	supervisor.BudgetState
	Text string `json:"text"`
}

// GivenUp is a target the supervisor stopped automating.
type GivenUp struct {
	Target string    `json:"target"`
	At     time.Time `json:"at"`
	Ago    string    `json:"ago"`
	Reason string    `json:"reason"`
}

// Incident is an open incident.
type Incident struct {
	ID        string    `json:"id"`
	Code      string    `json:"code"`
	Target    string    `json:"target"`
	Rule      string    `json:"rule"`
	Policy    string    `json:"policy"`
	Failures  int64     `json:"failures"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	Ago       string    `json:"ago"`
}

// Code is one (code, target) reported so far, with its current rate.
type Code struct {
	Code      string   `json:"code"`
	Title     string   `json:"title,omitempty"`
	Target    string   `json:"target"`
	Severity  string   `json:"severity"`
	Failures  int64    `json:"failures"`
	Successes int64    `json:"successes"`
	Rate      float64  `json:"rate"`
	Window    string   `json:"rate_window"`
	Policies  []string `json:"policies"`
}

// Policy is a policy binding codes to a rule and an action.
type Policy = heal.PolicyStatus

// Breaker is one circuit breaker.
type Breaker struct {
	Name                string `json:"name"`
	State               string `json:"state"`
	Requests            uint32 `json:"requests"`
	TotalFailures       uint32 `json:"total_failures"`
	ConsecutiveFailures uint32 `json:"consecutive_failures"`
	// Hold describes a force-open in effect: who, why and for how long.
	Hold string `json:"hold,omitempty"`
}

// Flag is a killed flag.
type Flag struct {
	Flag   string    `json:"flag"`
	Actor  string    `json:"actor"`
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at"`
	Ago    string    `json:"ago"`
}

// Record is one audit record, trimmed for the page.
type Record struct {
	Time    time.Time `json:"time"`
	Ago     string    `json:"ago"`
	Outcome string    `json:"outcome"`
	Code    string    `json:"code,omitempty"`
	Target  string    `json:"target,omitempty"`
	Action  string    `json:"action,omitempty"`
	Actor   string    `json:"actor,omitempty"`
	// Detail is the guardrail, error or reason, whichever says most.
	Detail string `json:"detail,omitempty"`
}

// state gathers the page's State at now.
func (p *Page) state() State {
	hs := p.cfg.Healer.Snapshot()
	ss := p.sup.Snapshot()
	now := ss.Time // the supervisor's clock, already read
	if p.cfg.Clock != nil {
		now = p.cfg.Clock.Now()
	}
	st := State{
		Title: p.cfg.Title, Time: now, Refresh: p.cfg.RefreshInterval.Milliseconds(),
		Controls: len(p.tokens) > 0, Health: ss.Health,
		Guardrails:  guardrails(ss, now),
		Incidents:   incidents(hs.Open, now),
		Codes:       p.codes(hs.Codes),
		Policies:    orEmpty(hs.Policies),
		Audit:       tail(ss.Recent, p.cfg.AuditTail, now),
		HasBreakers: p.cfg.Breakers != nil, HasFlags: p.cfg.Flags != nil,
		HasFaults: p.cfg.Faults != nil,
	}
	st.Breakers, st.Flags, st.Faults = p.breakers(now), p.flags(now), p.faults()
	return st
}

func guardrails(ss supervisor.Snapshot, now time.Time) Guardrails {
	g := Guardrails{Queued: ss.Queued, StoreError: ss.StoreError,
		Budget:    Budget{BudgetState: ss.Budget, Text: budgetText(ss.Budget)},
		Cooldowns: []Cooldown{}, GivenUp: []GivenUp{}}
	if m := ss.Mute; m != nil {
		g.Mute = &Mute{Until: m.Until, Left: left(now, m.Until), Reason: m.Reason, By: m.By}
	}
	for _, c := range ss.Cooldowns {
		g.Cooldowns = append(g.Cooldowns, Cooldown{Action: c.Action, Target: c.Target,
			Until: c.Until, Left: left(now, c.Until)})
	}
	for _, u := range ss.GivenUp {
		g.GivenUp = append(g.GivenUp, GivenUp{Target: u.Target, At: u.At,
			Ago: ago(now, u.At), Reason: u.Reason})
	}
	return g
}

func budgetText(b supervisor.BudgetState) string {
	if b.Unlimited {
		return "unlimited"
	}
	return strings.TrimSuffix(trimFloat(b.Tokens), ".0") + " of " +
		itoa(b.Limit) + " actions left per " + short(b.Per)
}

func incidents(open []heal.Incident, now time.Time) []Incident {
	out := make([]Incident, 0, len(open))
	for _, i := range open {
		out = append(out, Incident{ID: i.ID, Code: string(i.Code), Target: i.Target,
			Rule: i.Rule.String(), Policy: i.Policy, Failures: i.Failures,
			FirstSeen: i.FirstSeen, LastSeen: i.LastSeen, Ago: ago(now, i.LastSeen)})
	}
	slices.Reverse(out) // newest first: the one an operator came for
	return out
}

func (p *Page) codes(cs []heal.CodeStatus) []Code {
	tax := p.cfg.Healer.Taxonomy()
	out := make([]Code, 0, len(cs))
	for _, c := range cs {
		def, _ := tax.Lookup(c.Code)
		out = append(out, Code{Code: string(c.Code), Title: def.Title, Target: c.Target,
			Severity: c.Severity.String(), Failures: c.Failures, Successes: c.Successes,
			Rate: c.Rate, Window: short(c.RateWindow), Policies: orEmpty(c.Policies)})
	}
	// The busiest codes first: they are what an operator looks for.
	slices.SortStableFunc(out, func(a, b Code) int { return cmp.Compare(b.Rate, a.Rate) })
	return out
}

func (p *Page) breakers(now time.Time) []Breaker {
	out := []Breaker{}
	if p.cfg.Breakers == nil {
		return out
	}
	for _, b := range p.cfg.Breakers.Breakers() {
		out = append(out, breakerView(b.Status(), now))
	}
	return out
}

func breakerView(s breaker.Status, now time.Time) Breaker {
	v := Breaker{Name: s.Name, State: s.State.String(), Requests: s.Counts.Requests,
		TotalFailures: s.Counts.TotalFailures, ConsecutiveFailures: s.Counts.ConsecutiveFailures}
	if h := s.Hold; h != nil {
		v.Hold = "forced open by " + h.Actor
		if !h.Until.IsZero() {
			v.Hold += ", " + left(now, h.Until) + " left"
		}
		if h.Reason != "" {
			v.Hold += ": " + h.Reason
		}
	}
	return v
}

func (p *Page) flags(now time.Time) []Flag {
	out := []Flag{}
	if p.cfg.Flags == nil {
		return out
	}
	for _, k := range p.cfg.Flags.Kills() {
		out = append(out, Flag{Flag: k.Flag, Actor: k.Actor, Reason: k.Reason,
			At: k.At, Ago: ago(now, k.At)})
	}
	return out
}

func (p *Page) faults() []Fault {
	if p.cfg.Faults == nil {
		return []Fault{}
	}
	return orEmpty(p.cfg.Faults.List())
}

// tail returns the last n records, newest first.
func tail(recs []supervisor.Record, n int, now time.Time) []Record {
	if len(recs) > n {
		recs = recs[len(recs)-n:]
	}
	out := make([]Record, 0, len(recs))
	for i := len(recs) - 1; i >= 0; i-- {
		r := recs[i]
		out = append(out, Record{Time: r.Time, Ago: ago(now, r.Time),
			Outcome: string(r.Outcome), Code: r.Code, Target: r.Target,
			Action: r.Action, Actor: r.Actor, Detail: detail(r)})
	}
	return out
}

func detail(r supervisor.Record) string {
	var parts []string
	if r.Undo {
		parts = append(parts, "undo")
	}
	for _, s := range []string{string(r.Guardrail), r.Error, r.Reason} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, "; ")
}

// orEmpty makes a nil slice encode as [] rather than null, so the script
// need not tell the two apart.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
