// Package supervisor is selfheal's engine: it decides, under guardrails,
// whether a recovery action runs, runs it with a deadline, and leaves an
// audit record for every decision it takes or refuses. It knows nothing of
// how error codes are spelled or detected; package heal turns reported
// errors into [Trigger] values and hands them here.
//
// # Starting
//
// [New] takes a [Config] whose zero value works: an in-memory audit tail,
// in-memory guardrail state, no notifications. A service usually names an
// audit file, whose directory also holds the guardrail state:
//
//	sup, err := supervisor.New(supervisor.Config{AuditPath: "/var/lib/svc/heal.jsonl"})
//	if err != nil {
//		return err
//	}
//	defer sup.Close()
//
// # Triggers and actions
//
// An [Action] is pre-authorized work with a stable name; a [Reversible]
// action can also be undone. A [Trigger] asks for one action against one
// target and says where it came from ([Source]) and who asked (Actor).
// Detection, operators, webhooks and probes all come in as triggers and
// all pass the same guardrails.
//
// [Supervisor.Submit] queues a trigger without waiting for the decision;
// [Supervisor.Do] waits for its outcome record, which suits an operator's
// manual trigger. [Supervisor.Undo] runs a Reversible action's Undo.
//
// # Decisions
//
// One goroutine takes every decision, so guardrail state has one owner and
// no lock order to get wrong. For each trigger it checks, in order: its own
// health, that the trigger carries an action, the mute, whether the target
// was given up, the cooldown of that action on that target, the target's
// intensity, and the global budget. A dry run (Config.DryRun or
// Trigger.DryRun) stops there and records what would have run. Otherwise
// the supervisor claims the cooldown, spends budget, counts the attempt,
// writes a "started" record, and only once that record is durable hands
// the action to a worker.
//
// Workers are bounded (Config.Workers). Each action gets a context whose
// deadline is on the supervisor's clock (Config.ActionTimeout, or
// Trigger.Timeout). A panic is recovered and recorded as a failure; an
// action still running at its deadline is abandoned and recorded as
// failed, so it cannot hold up other targets.
//
// # Guardrails
//
//   - Cooldown: after an attempt, ok or not, the same action on the same
//     target is skipped until the cooldown ends (10 minutes by default;
//     Trigger.Cooldown overrides). It ends at its instant: a trigger at
//     exactly that time runs.
//   - Budget: at most N actions per period across everything (10 an hour by
//     default), refilled evenly.
//   - Intensity: a target that needs more than K actions within a period (3
//     within an hour by default) is given up: the supervisor records
//     OutcomeGaveUp, escalates with a notification that needs a human, and
//     skips the target until [Supervisor.Rearm]. A verification that fails
//     counts as one more action, which stops rollback loops.
//   - Verification: a VerifyWindow after a successful action, the
//     supervisor calls Trigger.Verify, when set, and records verified or
//     unverified.
//   - Mute: [Supervisor.Mute] stops all automation until an instant, with a
//     reason and an actor; it expires by itself, and the expiry is audited
//     by the first decision after it, stamped with that decision's time.
//
// Guardrails are per target, and an empty Target is one target like any
// other: every untargeted trigger shares its cooldowns, attempts and
// give-up.
//
// Cooldowns, attempts, give-ups and the mute live in a [Store], a [LocalStore]
// by default, written atomically after each change and restored at start.
// Its operations, such as ClaimCooldown, are ones a shared store could do
// atomically, so that replicas can later share one set of guardrails.
//
// # Audit trail
//
// Every trigger ends in exactly one outcome record: ok, failed, skipped
// (with the [Guardrail] that refused it), dry_run or rejected. Records also
// report starts, verifications, give-ups and operator controls. They go to
// an [AuditSink]; the default file sink, [FileSink], writes JSON Lines, one
// fsynced record a line, each carrying seq, prev and the SHA-256 hash that
// chains it to the one before. [VerifyAuditFile] checks a file and names the
// first bad line. A record torn by a crash mid-write is cut off when the
// file is next opened, with a warning, and the chain continues; any other
// break refuses to open. [Supervisor.Recent] keeps the last records in
// memory for a status page.
//
// # Health and the watchdog
//
// The decision loop marks each turn it takes; a watchdog on the supervisor's
// clock declares it stalled once a turn has lasted past Config.StallLimit
// (and the watchdog has seen it on two ticks). While the loop is stalled or
// the audit sink fails, the supervisor is unhealthy: it refuses triggers
// (auditing the refusal when it can), reports so through
// [Supervisor.Health] and the readiness [Supervisor.Handler], and notifies.
// It recovers by itself when the loop moves on or a write succeeds. Under
// systemd with WatchdogSec, it sends WATCHDOG=1 to NOTIFY_SOCKET only
// while healthy, so systemd restarts a process whose supervisor is stuck.
//
// # Notifications
//
// A [Notifier] hears of actions run, give-ups, unverified results, mutes and
// health changes; [SlogNotifier] logs them and [WebhookNotifier] posts JSON
// that a Slack incoming webhook accepts. Notifications wait in a bounded
// queue with bounded retries on the clock; a full queue drops and counts,
// so notifying never holds up a decision.
//
// # Time
//
// Every decision reads the injected [Clock]. Tests advance a fake clock
// instead of sleeping; an idle supervisor keeps exactly one timer armed on
// it, the watchdog's tick.
//
// # Status
//
// [Supervisor.Snapshot] returns plain data for a status page: health,
// cooldowns in force, the budget, the mute, given-up targets and the
// recent records.
//
// BUG(selfheal): An action that ignores its context is abandoned at its
// deadline, not stopped: its goroutine runs on, even past Close, until the
// action returns.
//
// BUG(selfheal): The budget's tokens live in memory only, unlike the state a
// Store keeps: a process that restarts starts with a full budget.
//
// BUG(selfheal): When the "started" record cannot be written the action
// does not run, but its cooldown, budget token and attempt are already
// spent: a later trigger for it is skipped as if it had run.
//
// BUG(selfheal): Triggers refused before the loop (supervisor unhealthy,
// queue full) are audited on the caller's goroutine, so with an audit sink
// that hangs, Submit waits for it.
//
// BUG(selfheal): The hash chain cannot show records deleted from the end of
// the audit file; keep the file where the service can append but not
// truncate it, or ship it elsewhere as it grows.
package supervisor
