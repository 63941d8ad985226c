// Command healctl is the operator's and CI's tool for selfheal: it locks a
// taxonomy's code meanings and lints changes against the lock, verifies the
// hash chain of an audit file, and signs webhook bodies for curl.
//
// Usage:
//
//	healctl lock --taxonomy FILE --lock LOCKFILE [--force]
//	healctl lint --taxonomy FILE --lock LOCKFILE
//	healctl audit verify FILE
//	healctl sign --secret whsec_... [--id ID] [--timestamp UNIX] < body
//
// Exit status is 0 on success, 1 when a check fails, 2 on bad usage.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, time.Now))
}

// Exit statuses.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

const usage = `usage:
  healctl lock --taxonomy FILE --lock LOCKFILE [--force]
  healctl lint --taxonomy FILE --lock LOCKFILE
  healctl audit verify FILE
  healctl sign --secret whsec_... [--id ID] [--timestamp UNIX] < body
`

// env is what a subcommand may touch; tests substitute every part.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	now            func() time.Time
}

// errUsage marks an error caused by how the command was called.
var errUsage = errors.New("usage")

func run(args []string, stdin io.Reader, stdout, stderr io.Writer, now func() time.Time) int {
	e := env{stdin: stdin, stdout: stdout, stderr: stderr, now: now}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	var err error
	switch args[0] {
	case "lock":
		err = e.lock(args[1:])
	case "lint":
		err = e.lint(args[1:])
	case "audit":
		err = e.audit(args[1:])
	case "sign":
		err = e.sign(args[1:])
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		err = fmt.Errorf("%w: unknown command %q", errUsage, args[0])
	}
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "healctl: %s\n%s", strings.TrimPrefix(err.Error(), "usage: "), usage)
		return exitUsage
	default:
		fmt.Fprintf(stderr, "healctl: %v\n", err)
		return exitFail
	}
}

// newFlags returns a flag set that reports errors instead of exiting.
func (e env) newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("healctl "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}

// parse parses args, turning flag errors and stray arguments into usage
// errors.
func parse(fs *flag.FlagSet, args []string, positional int) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() != positional {
		return fmt.Errorf("%w: %s takes %d argument(s), got %d",
			errUsage, fs.Name(), positional, fs.NArg())
	}
	return nil
}
