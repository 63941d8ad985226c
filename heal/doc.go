// Package heal is the front door of selfheal, an in-process supervisor
// that lets a service recover from the failures it already understands.
// A service names its failures with structured codes, reports them as
// they happen, and binds each kind to a pre-authorized, reversible action;
// heal detects when a code crosses its rule and hands the action to a
// supervisor (package supervisor) that runs it under guardrails and audits
// every decision.
//
// # Codes
//
// A [Code] has the form DOMAIN-CATEGORY-NNN, for example DB-CONN-001 or
// SVC-DEP-001. DOMAIN and CATEGORY are 2 to 16 upper-case letters and
// digits starting with a letter; NNN is three digits. [ParseCode] says
// which part of a malformed code is wrong. A [Pattern] selects codes for
// a policy: an exact code, a category (SVC-DEP-*) or a domain (DB-*).
//
// # The taxonomy
//
// A [Taxonomy] documents every code a service uses: its title, owning
// team, [Severity], whether the failed operation may be retried, a runbook
// link and the expected response. It is immutable and validated as a
// whole: [LoadTaxonomy] reads a YAML or JSON file and reports every
// problem at once, each with its file and line. [DefaultTaxonomy] holds the
// codes selfheal's own adapters emit.
//
// Codes are immutable once in use. A code that changes meaning is a new
// code; the old one is marked deprecated with replaced_by naming its
// successor, and reports of it count under the successor. A [Lock] records
// the meaning of every code so that a CI check (healctl lint) can refuse a
// change of meaning or a code removed without deprecation.
//
// # Errors
//
// [Taxonomy.New] and [Taxonomy.Wrap] make an [*Error]: a code, a target
// (the dependency, flag or pool the failure concerns), a message, bounded
// metadata and the cause, with severity and retryability taken from the
// code's definition so that they cannot drift from it. An Error works with
// errors.Is (by code), errors.As and errors.Unwrap, and logs as structured
// attributes with secret-looking metadata redacted.
//
// Codes are for operators, never for clients: [WriteProblem] answers an
// HTTP client with an RFC 9457 problem that holds a generic title, a
// status (503 with Retry-After for a retryable failure) and an opaque
// incident id, and logs the full error under that id.
//
// # Detection
//
// A [Healer] counts reports per code and target in time buckets.
// [Healer.Report] takes any error: the first *Error in its chain gives the
// code and target; anything else counts under [CodeUnclassified]. For the
// hottest paths, [Healer.Code] resolves a [Handle] once, and
// [Handle.Report] is a few atomic operations. Distinct targets per code
// are capped, so a flood of random codes or targets cannot grow memory.
//
// Report never blocks: it never waits for the Healer's loop, and a lock it
// takes guards only a few counters. For a code in the taxonomy, a report
// usually reads no clock (with the system clock, a ticker keeps the
// current bucket), takes no lock and allocates nothing. Rarer reports do
// more:
//
//   - the first report of each bucket on each of a target's stripes, and
//     any report once a rule is within reach of its threshold, takes the
//     target's lock to move counts into the target's history and check its
//     rules;
//   - the first report on a new target takes the code's lock and allocates
//     the target's counters, for at most [Config.MaxTargets] targets per
//     code; reports beyond them count under [OverflowTarget], taking no
//     lock once it exists;
//   - the report that fires a rule also reads the clock for the incident's
//     time, allocates the incident and queues it for the loop;
//   - the first report of a code in each log interval allocates the event
//     that logs it and, to read the code's total, takes the lock of each of
//     the code's targets in turn.
//
// A [Rule] says when a code needs action on a target: [AtLeast] n reports
// within a window, a rate [Sustained] for a whole duration, or a failure
// [Ratio] over reported outcomes ([Healer.Success]) with a minimum volume.
// A rule fires on the report that crosses it, not on a poller's tick, and
// does not fire again for the same incident until the incident has
// resolved (see [Quiet]). [Healer.Subscribe] hands incidents and their
// resolutions to listeners.
//
// # Policies
//
// [Healer.On] binds a pattern and a rule to an [Action], with [Option]s
// for its cooldown, timeout, verify window and dry run. When several
// policies match a code, the most specific pattern wins. Actions live in
// the adapter packages: breaker.Trip, flags.Kill, pool.Recycle,
// rollback.Undo, mem.SetLimit, or any [ActionFunc] of the service's own.
//
//	h.On("SVC-DEP-001", heal.AtLeast(20, time.Minute), breaker.Trip(breakers, 30*time.Second))
//	h.On("DEPLOY-HEALTH-002", heal.AtLeast(5, time.Minute), flags.Kill(killSwitch))
//	h.On("DB-CONN-*", heal.AtLeast(3, 10*time.Second), pool.Recycle(db))
//
// Triggers from outside detection — an operator, a signed webhook, a
// [Probe] added with [Healer.AddProbe] — go through [Healer.Fire] and the
// same policies and guardrails; a code that no policy binds is refused
// with [ErrNotEligible] and audited.
//
// # Time
//
// Every decision reads time from a [Clock]. Production code leaves it nil
// for the system clock; tests pass a fake one (package healtest) and
// advance it, so no test needs to sleep.
//
// # Logging
//
// Config.Logger takes a *slog.Logger; nil means slog.Default(). The Healer
// logs the first report of a code in each interval with its attributes,
// then one summary line ("DB-CONN-001 x4123 in the last 10s"), so that an
// error storm cannot become a log storm.
package heal
