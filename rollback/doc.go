// Package rollback rolls a Kubernetes deployment back by running kubectl:
// "rollout undo", then "rollout status" to wait until the previous revision
// is available again.
//
// # Safety
//
// Commands run as an argument vector through [os/exec], never through a
// shell, and every name that reaches the command line (the deployment and
// the namespace) is first checked to be a Kubernetes DNS-1123 label. A
// trigger's target can come from a webhook, so a target such as
// "api; rm -rf /" is refused with a [*NameError] before any process starts,
// and the supervisor audits the refusal as a failed action.
//
// # Results
//
// A run is bounded by its context: on expiry the whole process group is
// killed. Each step's argument vector, exit status and the last
// [MaxOutput] bytes of its stdout and stderr are kept in a [Result]. A
// non-zero exit is a failure and is returned as an [*Error] whose message
// carries the exit status and the trimmed stderr, so the audit record says
// why; output on stderr alone is not a failure, since kubectl writes
// warnings there.
//
// A trigger with DryRun set runs only "rollout undo --dry-run=server", so
// the API server validates the rollback without changing anything.
//
// # Running once per incident
//
// "rollout undo" goes back one revision, and the revision it restores
// becomes the newest; a second undo therefore goes back to the revision
// the first one removed: the bad one. Run the action at most once per
// incident and let a person decide what comes next. Bind it with a long
// cooldown, hours rather than the supervisor's default of minutes, and
// run it under a supervisor whose intensity is 1, so that the next
// trigger for the deployment gives the target up and escalates instead
// of undoing the rollback:
//
//	h.On("DEPLOY-HEALTH-*", heal.Sustained(5, 2*time.Minute), rollback.Undo(cfg),
//		heal.Cooldown(6*time.Hour))
//
// with supervisor.Config.Intensity set to supervisor.Limit{N: 1, Per:
// 6 * time.Hour}. Intensity counts every action on a target, so choose
// deployment targets that no other policy shares.
package rollback

// BUG(selfheal): The action runs "kubectl rollout undo" without
// --to-revision, which toggles between the last two revisions: run twice
// for one incident, it redeploys the revision the first run rolled back.
// Keep it to one run per incident with an intensity of 1 and a long
// cooldown, as the package documentation describes.
