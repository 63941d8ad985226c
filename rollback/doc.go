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
package rollback
