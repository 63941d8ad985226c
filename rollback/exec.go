package rollback

import (
	"context"
	"os"
	"os/exec"
	"time"
)

// waitDelay bounds how long a run waits for output pipes to close after
// its process group was killed, in case a grandchild escaped the group.
const waitDelay = 2 * time.Second

// run starts one kubectl step and waits for it.
func (k *Kubectl) run(ctx context.Context, args []string) (Step, error) {
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	if k.cfg.Env != nil {
		// exec.Cmd keeps the last of duplicate keys, so Env wins.
		cmd.Env = append(os.Environ(), k.cfg.Env...)
	}
	stdout, stderr := &tail{max: MaxOutput}, &tail{max: MaxOutput}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	killGroupOnCancel(cmd)
	cmd.WaitDelay = waitDelay

	err := cmd.Run()
	step := Step{Args: args, ExitCode: -1, Stdout: stdout.String(), Stderr: stderr.String()}
	if cmd.ProcessState != nil {
		step.ExitCode = cmd.ProcessState.ExitCode()
	}
	if err == nil {
		return step, nil
	}
	if ctx.Err() != nil {
		// The process was killed because the context ended; say so rather
		// than "signal: killed".
		err = ctx.Err()
	}
	return step, &Error{Step: step, Err: err}
}
