package main

import (
	"fmt"

	"github.com/selfheal/selfheal/supervisor"
)

// audit dispatches the audit subcommands.
func (e env) audit(args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		return fmt.Errorf("%w: audit takes the subcommand verify", errUsage)
	}
	fs := e.newFlags("audit verify")
	if err := parse(fs, args[1:], 1); err != nil {
		return err
	}
	path := fs.Arg(0)
	n, err := supervisor.VerifyAuditFile(path)
	if err != nil {
		return fmt.Errorf("%w (%d record(s) before it are intact)", err, n)
	}
	fmt.Fprintf(e.stdout, "%s: %d record(s), chain intact\n", path, n)
	return nil
}
