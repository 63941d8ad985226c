package healtest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/selfheal/selfheal/heal"
	"github.com/selfheal/selfheal/healtest"
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

	remove := charge.Inject(healtest.Fault{Err: tax.New("SVC-DEP-001", "payments", "injected"), Calls: 2})
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
