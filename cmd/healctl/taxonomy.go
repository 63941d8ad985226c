package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/selfheal/selfheal/heal"
)

// lock writes the lock file for a taxonomy. Over an existing lock it first
// lints, so that locking cannot quietly bless a breaking change; --force
// overrides that on purpose.
func (e env) lock(args []string) error {
	fs := e.newFlags("lock")
	taxPath := fs.String("taxonomy", "", "taxonomy file (YAML or JSON)")
	lockPath := fs.String("lock", "", "lock file to write")
	force := fs.Bool("force", false, "overwrite a lock that the taxonomy breaks")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if *taxPath == "" || *lockPath == "" {
		return fmt.Errorf("%w: lock needs --taxonomy and --lock", errUsage)
	}
	tax, err := heal.LoadTaxonomy(*taxPath)
	if err != nil {
		return err
	}
	if old, err := heal.ReadLock(*lockPath); err == nil && !*force {
		if probs := old.Check(tax); len(probs) > 0 {
			e.printProblems(*taxPath, probs)
			return fmt.Errorf("%s breaks %s in %d code(s); fix it or use --force",
				*taxPath, *lockPath, len(probs))
		}
	} else if err != nil && !errors.Is(err, os.ErrNotExist) && !*force {
		return err
	}
	if err := heal.NewLock(tax).WriteFile(*lockPath); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "locked %d code(s) in %s\n", tax.Len(), *lockPath)
	return nil
}

// lint checks a taxonomy file on its own and against the lock file.
func (e env) lint(args []string) error {
	fs := e.newFlags("lint")
	taxPath := fs.String("taxonomy", "", "taxonomy file (YAML or JSON)")
	lockPath := fs.String("lock", "", "lock file written by healctl lock")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if *taxPath == "" || *lockPath == "" {
		return fmt.Errorf("%w: lint needs --taxonomy and --lock", errUsage)
	}
	tax, err := heal.LoadTaxonomy(*taxPath)
	if err != nil {
		return err
	}
	lock, err := heal.ReadLock(*lockPath)
	if err != nil {
		return err
	}
	probs := lock.Check(tax)
	if len(probs) > 0 {
		e.printProblems(*taxPath, probs)
		return fmt.Errorf("%d code(s) in %s break %s", len(probs), *taxPath, *lockPath)
	}
	fmt.Fprintf(e.stdout, "%s: %d code(s) ok against %s\n", *taxPath, tax.Len(), *lockPath)
	return nil
}

func (e env) printProblems(file string, probs []heal.Problem) {
	for _, p := range probs {
		if p.File == "" {
			p.File = file
		}
		fmt.Fprintln(e.stderr, p.String())
	}
}
