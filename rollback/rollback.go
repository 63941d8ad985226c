package rollback

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/selfheal/selfheal/heal"
)

// DefaultStatusTimeout is how long "rollout status" waits for the rollback
// to become available when [Config.StatusTimeout] is zero.
const DefaultStatusTimeout = 5 * time.Minute

// Config says how to run kubectl. The zero value runs "kubectl" from PATH
// against the current kubeconfig context and namespace, treating a
// trigger's target as the deployment name.
type Config struct {
	// Kubectl is the path or name of the kubectl binary. Zero means
	// "kubectl", looked up in PATH when the action runs.
	Kubectl string
	// Namespace is passed as --namespace. Zero means kubectl's default:
	// the namespace of the current context.
	Namespace string
	// Context is passed as --context. Zero means the current context.
	// It comes from the service's code, not from triggers, so it is not
	// validated as a label (context names often hold ':' and '/').
	Context string
	// Kubeconfig is passed as --kubeconfig. Zero means kubectl's default
	// (the KUBECONFIG variable, then ~/.kube/config).
	Kubeconfig string
	// StatusTimeout is passed to "rollout status" as --timeout. Zero means
	// [DefaultStatusTimeout]. The action's context bounds the whole run
	// regardless.
	StatusTimeout time.Duration
	// Env holds extra "KEY=value" entries for kubectl's environment, added
	// to the environment of this process (an entry here wins over an
	// inherited one of the same key). Zero means the inherited
	// environment unchanged.
	Env []string
	// Deployments maps trigger targets to deployment names, so that an
	// alert about "checkout" can roll back "checkout-web". Zero means a
	// target is itself the deployment name. When set, a target missing
	// from the map is refused.
	Deployments map[string]string
}

// Kubectl is an [heal.Action] that rolls back the deployment a trigger
// targets. Make one with [Undo]; the zero value runs with a zero [Config].
// A Kubectl is safe for concurrent use: each run starts its own processes.
type Kubectl struct {
	cfg Config
}

var _ heal.Action = (*Kubectl)(nil)

// Undo returns an action that rolls back the trigger's target with
// "kubectl rollout undo" and waits for it with "kubectl rollout status".
// cfg is copied, slices and maps included; changing it later has no
// effect.
func Undo(cfg Config) *Kubectl {
	cfg.Env = slices.Clone(cfg.Env)
	cfg.Deployments = maps.Clone(cfg.Deployments)
	return &Kubectl{cfg: cfg}
}

// Name returns "rollback.undo", the action's stable name in cooldowns and
// audit records.
func (k *Kubectl) Name() string { return "rollback.undo" }

// Run rolls back the deployment named by t.Target, or only asks the API
// server to validate the rollback when t.DryRun is set. A failure is a
// [*NameError] when a name is invalid, and an [*Error] when kubectl fails
// or the context ends first.
//
// Each step's command, exit status and trimmed output go into the audit
// record of the run, whether it succeeds or fails.
func (k *Kubectl) Run(ctx context.Context, t heal.Trigger) error {
	res, err := k.Rollback(ctx, t.Target, t.DryRun)
	if res != nil {
		for i, st := range res.Steps {
			p := fmt.Sprintf("step%d.", i+1)
			heal.Annotate(ctx, p+"command", st.Command())
			heal.Annotate(ctx, p+"exit_status", strconv.Itoa(st.ExitCode))
			heal.Annotate(ctx, p+"stdout", st.Stdout)
			heal.Annotate(ctx, p+"stderr", st.Stderr)
		}
	}
	return err
}

// Rollback rolls back the deployment that target names and returns what
// each kubectl step did. On failure the result holds the steps run so far.
func (k *Kubectl) Rollback(ctx context.Context, target string, dryRun bool) (*Result, error) {
	res, err := k.plan(target, dryRun)
	if err != nil {
		return nil, err
	}
	for _, args := range res.argv(k.cfg) {
		step, err := k.run(ctx, args)
		res.Steps = append(res.Steps, step)
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

// plan resolves and validates the names before anything runs.
func (k *Kubectl) plan(target string, dryRun bool) (*Result, error) {
	deploy := target
	if k.cfg.Deployments != nil {
		d, ok := k.cfg.Deployments[target]
		if !ok {
			return nil, fmt.Errorf("rollback: no deployment configured for target %q", target)
		}
		deploy = d
	}
	if err := validate("deployment", deploy); err != nil {
		return nil, err
	}
	if k.cfg.Namespace != "" {
		if err := validate("namespace", k.cfg.Namespace); err != nil {
			return nil, err
		}
	}
	return &Result{Deployment: deploy, Namespace: k.cfg.Namespace, DryRun: dryRun}, nil
}

// argv returns the argument vectors of the steps, binary first.
func (r *Result) argv(cfg Config) [][]string {
	base, obj := globalArgs(cfg), r.objectArgs()
	undo := concat(base, []string{"rollout", "undo"}, obj)
	if r.DryRun {
		// Nothing changes in a dry run, so there is no rollout to wait for.
		return [][]string{append(undo, "--dry-run=server")}
	}
	timeout := cfg.StatusTimeout
	if timeout <= 0 {
		timeout = DefaultStatusTimeout
	}
	status := concat(base, []string{"rollout", "status"}, obj,
		[]string{"--timeout=" + timeout.String()})
	return [][]string{undo, status}
}

// globalArgs returns the binary and the flags that pick the cluster.
func globalArgs(cfg Config) []string {
	args := []string{cfg.Kubectl}
	if args[0] == "" {
		args[0] = "kubectl"
	}
	if cfg.Kubeconfig != "" {
		args = append(args, "--kubeconfig="+cfg.Kubeconfig)
	}
	if cfg.Context != "" {
		args = append(args, "--context="+cfg.Context)
	}
	return args
}

// objectArgs names the deployment, in "--flag=value" form throughout so
// that no value can be taken for a flag of its own.
func (r *Result) objectArgs() []string {
	args := []string{"deployment/" + r.Deployment}
	if r.Namespace != "" {
		args = append(args, "--namespace="+r.Namespace)
	}
	return args
}

func concat(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
