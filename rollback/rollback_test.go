package rollback_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/selfheal/selfheal/heal"
	"github.com/selfheal/selfheal/rollback"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeKubectl records each invocation's arguments, one per line followed
// by a line "--", and behaves as its environment says: FAKE_STEP limits
// the misbehaviour to the "undo" or "status" step; FAKE_STDERR is written
// to stderr; FAKE_HANG makes it wait on a child process (which shares the
// output pipes, as a credential plugin would); FAKE_EXIT is the status.
const fakeKubectl = `#!/bin/sh
for a in "$@"; do printf '%s\n' "$a"; done >> "$FAKE_LOG"
echo -- >> "$FAKE_LOG"
step=""
for a in "$@"; do case "$a" in undo|status) step="$a" ;; esac; done
echo "deployment.apps $step done"
if [ -z "$FAKE_STEP" ] || [ "$FAKE_STEP" = "$step" ]; then
	if [ -n "$FAKE_STDERR" ]; then printf '%s\n' "$FAKE_STDERR" >&2; fi
	if [ -n "$FAKE_HANG" ]; then sleep 30; fi
	exit "${FAKE_EXIT:-0}"
fi
`

// fake writes the fake kubectl into a fresh directory and returns its
// path and the path of the log it records to.
func fake(t *testing.T) (bin, log string) {
	t.Helper()
	dir := t.TempDir()
	bin = filepath.Join(dir, "kubectl")
	require.NoError(t, os.WriteFile(bin, []byte(fakeKubectl), 0o755))
	return bin, filepath.Join(dir, "calls.log")
}

// calls returns the argument vectors the fake recorded, without argv[0].
func calls(t *testing.T, log string) [][]string {
	t.Helper()
	data, err := os.ReadFile(log)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	require.NoError(t, err)
	var out [][]string
	var cur []string
	for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if line == "--" {
			out = append(out, cur)
			cur = nil
			continue
		}
		cur = append(cur, line)
	}
	return out
}

func TestRunArgs(t *testing.T) {
	status := func(extra ...string) []string {
		return append([]string{"rollout", "status"}, extra...)
	}
	tests := []struct {
		name    string
		cfg     rollback.Config
		trigger heal.Trigger
		want    [][]string
	}{{
		name:    "defaults",
		trigger: heal.Trigger{Target: "api"},
		want: [][]string{
			{"rollout", "undo", "deployment/api"},
			status("deployment/api", "--timeout=5m0s"),
		},
	}, {
		name: "all flags",
		cfg: rollback.Config{Namespace: "prod", Context: "arn:aws:eks:eu/prod",
			Kubeconfig: "/etc/kube/config", StatusTimeout: 90 * time.Second},
		trigger: heal.Trigger{Target: "api"},
		want: [][]string{
			{"--kubeconfig=/etc/kube/config", "--context=arn:aws:eks:eu/prod",
				"rollout", "undo", "deployment/api", "--namespace=prod"},
			{"--kubeconfig=/etc/kube/config", "--context=arn:aws:eks:eu/prod",
				"rollout", "status", "deployment/api", "--namespace=prod", "--timeout=1m30s"},
		},
	}, {
		name:    "mapped target",
		cfg:     rollback.Config{Deployments: map[string]string{"checkout": "checkout-web"}},
		trigger: heal.Trigger{Target: "checkout"},
		want: [][]string{
			{"rollout", "undo", "deployment/checkout-web"},
			status("deployment/checkout-web", "--timeout=5m0s"),
		},
	}, {
		name:    "dry run validates on the server and waits for nothing",
		cfg:     rollback.Config{Namespace: "prod"},
		trigger: heal.Trigger{Target: "api", DryRun: true},
		want: [][]string{
			{"rollout", "undo", "deployment/api", "--namespace=prod", "--dry-run=server"},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bin, log := fake(t)
			tt.cfg.Kubectl = bin
			tt.cfg.Env = []string{"FAKE_LOG=" + log}
			require.NoError(t, rollback.Undo(tt.cfg).Run(context.Background(), tt.trigger))
			assert.Equal(t, tt.want, calls(t, log))
		})
	}
}

func TestRunRejectsNamesBeforeRunning(t *testing.T) {
	tests := []struct {
		name    string
		cfg     rollback.Config
		target  string
		wantErr string
	}{
		{"shell metacharacters", rollback.Config{}, "api; rm -rf /",
			`rollback: deployment "api; rm -rf /" is not a valid Kubernetes name: ';' at index 3`},
		{"empty target", rollback.Config{}, "",
			`deployment "" is not a valid Kubernetes name: empty`},
		{"upper case", rollback.Config{}, "API", `'A' at index 0 is not a lower-case letter`},
		{"leading dash", rollback.Config{}, "-all", "must start and end"},
		{"bad namespace", rollback.Config{Namespace: "prod$(id)"}, "api", `namespace "prod$(id)"`},
		{"unmapped target", rollback.Config{Deployments: map[string]string{"a": "a"}}, "b",
			`rollback: no deployment configured for target "b"`},
		{"bad mapping", rollback.Config{Deployments: map[string]string{"a": "a b"}}, "a",
			`deployment "a b"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bin, log := fake(t)
			tt.cfg.Kubectl = bin
			tt.cfg.Env = []string{"FAKE_LOG=" + log}
			err := rollback.Undo(tt.cfg).Run(context.Background(), heal.Trigger{Target: tt.target})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.Empty(t, calls(t, log), "nothing may run after a rejected name")
		})
	}
}

func TestRollbackOutcomes(t *testing.T) {
	tests := []struct {
		name      string
		env       []string
		wantErr   string // empty for success
		wantSteps int
		wantExit  int // of the last step
		wantOut   string
	}{{
		name:      "success",
		wantSteps: 2,
		wantOut:   "deployment.apps status done",
	}, {
		name:      "stderr alone is not a failure",
		env:       []string{"FAKE_STDERR=Warning: apps/v1beta1 is deprecated"},
		wantSteps: 2,
	}, {
		name: "undo fails",
		env: []string{"FAKE_STEP=undo", "FAKE_EXIT=1",
			`FAKE_STDERR=error: no rollout history found for deployment "api"`},
		wantErr: `rollback: ` + "%BIN%" +
			` rollout undo deployment/api --namespace=prod: exit status 1: ` +
			`stderr: error: no rollout history found for deployment "api"`,
		wantSteps: 1,
		wantExit:  1,
	}, {
		name: "status fails after undo",
		env: []string{"FAKE_STEP=status", "FAKE_EXIT=3",
			"FAKE_STDERR=error: timed out waiting for the condition"},
		wantErr: "rollout status deployment/api --namespace=prod --timeout=5m0s: " +
			"exit status 3: stderr: error: timed out",
		wantSteps: 2,
		wantExit:  3,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bin, log := fake(t)
			k := rollback.Undo(rollback.Config{Kubectl: bin, Namespace: "prod",
				Env: append([]string{"FAKE_LOG=" + log}, tt.env...)})
			res, err := k.Rollback(context.Background(), "api", false)
			require.NotNil(t, res)
			require.Len(t, res.Steps, tt.wantSteps)
			last := res.Steps[len(res.Steps)-1]
			assert.Equal(t, tt.wantExit, last.ExitCode)
			if tt.wantErr == "" {
				require.NoError(t, err)
				assert.Contains(t, last.Stdout, tt.wantOut)
				return
			}
			var rerr *rollback.Error
			require.ErrorAs(t, err, &rerr)
			assert.Contains(t, err.Error(), strings.ReplaceAll(tt.wantErr, "%BIN%", bin))
			assert.Equal(t, last, rerr.Step)
		})
	}
}

func TestRollbackBoundsOutput(t *testing.T) {
	bin, log := fake(t)
	noisy := strings.Repeat("x", 3*rollback.MaxOutput) + "END"
	k := rollback.Undo(rollback.Config{Kubectl: bin,
		Env: []string{"FAKE_LOG=" + log, "FAKE_STEP=undo", "FAKE_EXIT=2", "FAKE_STDERR=" + noisy}})
	res, err := k.Rollback(context.Background(), "api", false)
	require.Error(t, err)
	stderr := res.Steps[0].Stderr
	assert.Len(t, stderr, rollback.MaxOutput)
	assert.True(t, strings.HasSuffix(stderr, "END\n"), "the last bytes are kept")
	assert.Less(t, len(err.Error()), 1024, "the error quotes only the end of stderr")
}

func TestRollbackTimeoutKillsProcessGroup(t *testing.T) {
	bin, log := fake(t)
	k := rollback.Undo(rollback.Config{Kubectl: bin,
		Env: []string{"FAKE_LOG=" + log, "FAKE_STEP=status", "FAKE_HANG=1"}})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()

	start := time.Now()
	res, err := k.Rollback(ctx, "api", false)
	elapsed := time.Since(start)

	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(),
		"rollout status deployment/api --timeout=5m0s: context deadline exceeded")
	require.Len(t, res.Steps, 2)
	assert.Equal(t, -1, res.Steps[1].ExitCode, "a killed process has no exit status")
	// The hanging child holds the output pipes. Only killing the whole
	// group lets the run return before exec's 2s WaitDelay backstop.
	assert.Less(t, elapsed, 2*time.Second)
}

func TestRollbackFindsKubectlInPath(t *testing.T) {
	bin, log := fake(t)
	t.Setenv("PATH", filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"))
	k := rollback.Undo(rollback.Config{Env: []string{"FAKE_LOG=" + log}})
	require.NoError(t, k.Run(context.Background(), heal.Trigger{Target: "api"}))
	assert.Len(t, calls(t, log), 2)
}

func TestRollbackMissingBinary(t *testing.T) {
	k := rollback.Undo(rollback.Config{Kubectl: filepath.Join(t.TempDir(), "kubectl")})
	res, err := k.Rollback(context.Background(), "api", false)
	var rerr *rollback.Error
	require.ErrorAs(t, err, &rerr)
	assert.Equal(t, -1, res.Steps[0].ExitCode)
	assert.Equal(t, "rollback.undo", k.Name())
}
