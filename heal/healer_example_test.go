package heal_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/selfheal/selfheal/heal"
	"github.com/selfheal/selfheal/healtest"
)

// A policy binds a code pattern and a rule to an action; the report that
// crosses the rule fires it.
func ExampleHealer_On() {
	clk := healtest.NewClock(time.Time{})
	h, _ := heal.New(heal.Config{Clock: clk, Logger: slog.New(slog.DiscardHandler)})
	defer h.Close()

	done := make(chan struct{})
	recycle := heal.ActionFunc("recycle-pool", func(_ context.Context, t heal.Trigger) error {
		fmt.Printf("%s %s on %s: %s\n", t.Action.Name(), t.Code, t.Target, t.Reason)
		close(done)
		return nil
	})
	if err := h.On("DB-CONN-*", heal.AtLeast(3, 10*time.Second), recycle); err != nil {
		fmt.Println(err)
	}

	tax := h.Taxonomy()
	for range 3 {
		err := tax.Wrap("DB-CONN-001", "primary", io.ErrUnexpectedEOF)
		h.Report(fmt.Errorf("checkout: %w", err))
	}
	<-done
	// Output:
	// recycle-pool DB-CONN-001 on primary: DB-CONN-001 on primary: at least 3 in 10s
}

// Subscribers see incidents fire and resolve; a handle reports a code
// resolved once at start-up.
func ExampleHealer_Report() {
	clk := healtest.NewClock(time.Time{})
	h, _ := heal.New(heal.Config{Clock: clk, Logger: slog.New(slog.DiscardHandler)})
	defer h.Close()
	h.MustOn("SVC-DEP-001", heal.AtLeast(2, time.Minute), nil) // notify only
	events := make(chan heal.Incident, 2)
	h.Subscribe(func(i heal.Incident) { events <- i })

	payments := h.Code("SVC-DEP-001").Target("payments")
	payments.Report()
	h.Report(h.Taxonomy().Wrap("SVC-DEP-001", "payments", io.EOF))
	i := <-events
	fmt.Println(i.Code, i.Target, i.Failures, i.Resolved)
	// Output: SVC-DEP-001 payments 2 false
}
