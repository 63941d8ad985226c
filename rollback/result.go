package rollback

import (
	"strconv"
	"strings"
)

// MaxOutput is how many bytes of each of stdout and stderr a [Step] keeps:
// the last ones, where kubectl puts its conclusion.
const MaxOutput = 4 << 10

// maxErrStderr bounds the stderr quoted in an [Error] message, which ends
// up in audit records and notifications.
const maxErrStderr = 512

// Result describes one rollback: what was rolled back and what each kubectl
// step did. It is plain data, safe to read once returned.
type Result struct {
	Deployment string
	Namespace  string // empty when kubectl's default namespace was used
	DryRun     bool
	Steps      []Step
}

// Step is one kubectl invocation.
type Step struct {
	// Args is the argument vector, binary first.
	Args []string
	// ExitCode is the exit status, or -1 when the process did not exit on
	// its own (it was killed, or never started).
	ExitCode int
	// Stdout and Stderr hold at most the last [MaxOutput] bytes written.
	Stdout, Stderr string
}

// Command returns the step's arguments joined by spaces, for messages.
// It is not shell-quoted and is never run.
func (s Step) Command() string { return strings.Join(s.Args, " ") }

// Error is a kubectl step that failed: it exited non-zero, could not start,
// or was killed when the context ended. Err is the underlying error (an
// [*os/exec.ExitError], a start error, or the context's error), so
// errors.Is(err, context.DeadlineExceeded) reports a timeout.
type Error struct {
	Step Step
	Err  error
}

// Error returns "rollback: COMMAND: CAUSE (exit status N): stderr: TEXT",
// with stderr trimmed to its last few hundred bytes.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("rollback: ")
	b.WriteString(e.Step.Command())
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	if e.Step.ExitCode > 0 && !strings.Contains(e.Err.Error(), "exit status") {
		b.WriteString(" (exit status " + strconv.Itoa(e.Step.ExitCode) + ")")
	}
	if s := strings.TrimSpace(lastBytes(e.Step.Stderr, maxErrStderr)); s != "" {
		b.WriteString(": stderr: ")
		b.WriteString(s)
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

func lastBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// tail is an io.Writer that keeps the last max bytes written to it. It
// never fails, so a chatty process cannot grow memory or block on us.
type tail struct {
	buf []byte
	max int
}

func (t *tail) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	// Trim only past twice the bound, so that copying stays amortised.
	if len(t.buf) > 2*t.max {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-t.max:]...)
	}
	return len(p), nil
}

func (t *tail) String() string { return lastBytes(string(t.buf), t.max) }
