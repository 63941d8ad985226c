// Command checkout is a small checkout service that heals itself. Run with
// no arguments, it plays a scripted incident against itself in about 12
// seconds and prints a timeline:
//
//  1. payments goes down: the breaker trips, calls fail fast, it closes
//     again when payments is back;
//  2. a bad deploy breaks the new checkout flow: its flag is killed;
//  3. the orders database pool breaks: the pool is recycled;
//  4. inventory stays down: the cooldown holds back a duplicate trigger,
//     then the supervisor gives up and pages a person.
//
// It then verifies the audit file's hash chain, prints a summary, and
// exits 0 only if every expected recovery happened.
//
// With -serve it keeps running under a load generator instead, with the
// status page on -addr, so that a person can inject faults and watch.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"time"

	"github.com/selfheal/selfheal/supervisor"
)

var discardLogger = slog.New(slog.DiscardHandler)

func main() {
	serve := flag.Bool("serve", false, "keep running with the status page and a load generator")
	addr := flag.String("addr", "127.0.0.1:8080", "status page address for -serve")
	dir := flag.String("dir", "",
		"directory for the audit file and state (default: a new temporary one)")
	flag.Parse()
	os.Exit(run(*serve, *addr, *dir, os.Stdout))
}

func run(serve bool, addr, dir string, out io.Writer) int {
	if dir == "" {
		d, err := os.MkdirTemp("", "selfheal-checkout-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "checkout:", err)
			return 1
		}
		dir = d
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	tl := newTimeline(out)
	a, err := newApp(ctx, dir, tl)
	if err != nil {
		fmt.Fprintln(os.Stderr, "checkout:", err)
		return 1
	}
	defer a.close()
	fmt.Fprintf(out, "checkout service on %s; audit trail in %s\n", a.url, dir)
	if serve {
		return a.serveStatus(ctx, addr, out)
	}
	return play(ctx, a, tl, out)
}

// play runs the scripted incident under load and reports on it.
func play(ctx context.Context, a *app, tl *timeline, out io.Writer) int {
	l := newLoad(a)
	loadCtx, stopLoad := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); l.run(loadCtx, 10*time.Millisecond, "/checkout", "/stock") }()

	outcomes := (&scenario{a: a, tl: tl, load: l}).run()
	stopLoad()
	wg.Wait()
	a.close() // flush and close the audit file before verifying it

	return summarize(out, a, tl, l, outcomes)
}

func summarize(out io.Writer, a *app, tl *timeline, l *load, outcomes []outcome) int {
	fmt.Fprintf(out, "\n── summary %s\n", dashes(57))
	allOK := true
	for _, o := range outcomes {
		mark := "ok  "
		if !o.ok {
			mark, allOK = "FAIL", false
		}
		fmt.Fprintf(out, "%s %-32s %s\n", mark, o.name, o.detail)
	}
	ok, failed := l.counts("/checkout")
	fmt.Fprintf(out, "     checkouts: %d succeeded, %d failed while faults were healed\n",
		ok, failed)

	path := a.auditPath()
	n, err := supervisor.VerifyAuditFile(path)
	seen := len(tl.audit.Records())
	switch {
	case err != nil:
		fmt.Fprintf(out, "FAIL audit chain: %v\n", err)
		allOK = false
	case n != seen:
		fmt.Fprintf(out, "FAIL audit chain: %d records in %s, the supervisor wrote %d\n",
			n, path, seen)
		allOK = false
	default:
		fmt.Fprintf(out, "ok   audit chain intact: %d records in %s\n", n, path)
	}
	if !allOK {
		fmt.Fprintln(out, "\nsome expected recovery did not happen")
		return 1
	}
	fmt.Fprintln(out, "\nevery expected recovery happened")
	return 0
}

func dashes(n int) string {
	b := make([]byte, 0, n*3)
	for range n {
		b = append(b, "─"...)
	}
	return string(b)
}
