package healtest_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"modernc.org/sqlite"

	"github.com/selfheal/selfheal/heal"
	"github.com/selfheal/selfheal/healtest"
	"github.com/selfheal/selfheal/supervisor"
)

func ExampleClock() {
	clk := healtest.NewClock(time.Time{})
	timer := clk.NewTimer(10 * time.Minute)
	clk.Advance(10 * time.Minute)
	fmt.Println((<-timer.C()).Sub(healtest.Epoch))
	// Output: 10m0s
}

func ExampleFailpoint() {
	charge := healtest.NewFailpoint("example.payments.charge")
	tax := heal.DefaultTaxonomy()

	remove := charge.Inject(healtest.Fault{
		Err:   tax.New("SVC-DEP-001", "payments", "injected"),
		Calls: 2,
	})
	defer remove()
	for range 3 {
		fmt.Println(charge.Err())
	}
	// Output:
	// SVC-DEP-001 payments: injected
	// SVC-DEP-001 payments: injected
	// <nil>
}

func ExampleRecorder() {
	clk := healtest.NewClock(time.Time{})
	rec := healtest.NewRecorder(clk)
	trip := rec.Action("breaker.trip")

	clk.Advance(time.Second)
	_ = trip.Run(context.Background(), heal.Trigger{Target: "payments"})
	for _, c := range rec.Calls() {
		fmt.Println(c)
	}
	fmt.Println(rec.Count("breaker.trip", "payments"))
	// Output:
	// ran breaker.trip on "payments" at 15:04:06.000
	// 1
}

func ExampleAuditLog() {
	audit := &healtest.AuditLog{}
	h, _ := heal.New(heal.Config{Logger: slog.New(slog.DiscardHandler),
		Supervisor: supervisor.Config{AuditSink: audit}})
	defer h.Close()

	rec := healtest.NewRecorder(nil)
	_ = h.On("SVC-DEP-001", heal.AtLeast(3, time.Minute), rec.Action("breaker.trip"))
	for range 3 {
		h.Report(h.Taxonomy().New("SVC-DEP-001", "payments", "connection refused"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := audit.WaitFor(ctx, supervisor.OutcomeOK, "breaker.trip", "payments")
	fmt.Println(r.Outcome, r.Action, r.Target, r.Actor, err)
	// Output: ok breaker.trip payments system <nil>
}

func ExampleBreakableConnector() {
	// Each connection opens a private in-memory SQLite database.
	bc := healtest.NewBreakableConnector(
		healtest.DSNConnector(&sqlite.Driver{}, "file::memory:"))
	db := sql.OpenDB(bc)
	defer db.Close()
	ctx := context.Background()
	fmt.Println(db.PingContext(ctx))

	bc.Break(errors.New("connection reset by peer"))
	fmt.Println(db.PingContext(ctx))

	fresh := sql.OpenDB(bc) // what recycling the pool does
	defer fresh.Close()
	fmt.Println(fresh.PingContext(ctx))
	// Output:
	// <nil>
	// connection reset by peer
	// <nil>
}
