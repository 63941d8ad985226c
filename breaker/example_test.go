package breaker_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/selfheal/selfheal/breaker"
	"github.com/selfheal/selfheal/heal"
	"github.com/selfheal/selfheal/healtest"
	"github.com/sony/gobreaker/v2"
)

func Example() {
	clock := healtest.NewClock(time.Time{})
	b := breaker.New("payments", breaker.Config{
		RejectCode: "SVC-DEP-002",
		Clock:      clock,
		Logger:     slog.New(slog.DiscardHandler),
		OnEvent: func(e breaker.Event) {
			fmt.Printf("event: %s %s -> %s by %s\n", e.Kind, e.From, e.To, e.By.Actor)
		},
	})

	charge := func() error { return nil } // the call to the dependency
	fmt.Println("call:", b.Execute(charge))

	b.ForceOpen(30*time.Second, breaker.Attribution{Actor: "human:alice", Reason: "bad deploy"})
	err := b.Execute(charge)
	e, _ := heal.AsError(err)
	fmt.Println("rejected:", errors.Is(err, gobreaker.ErrOpenState), e.Code)

	clock.Advance(30 * time.Second)
	fmt.Println("call:", b.Execute(charge))
	// Output:
	// call: <nil>
	// event: forced-open closed -> open by human:alice
	// rejected: true SVC-DEP-002
	// event: hold-expired open -> closed by human:alice
	// call: <nil>
}

func ExampleTrip() {
	var breakers breaker.Set
	_ = breakers.Add(breaker.New("payments", breaker.Config{
		Logger: slog.New(slog.DiscardHandler),
	}))
	trip := breaker.Trip(&breakers, 30*time.Second)

	t := heal.Trigger{Target: "payments", Actor: "system", Reason: "SVC-DEP-001 >= 20 in 1m"}
	_ = trip.Run(context.Background(), t)
	b, _ := breakers.Get("payments")
	h, _ := b.Hold()
	fmt.Println(b.State(), "by", h.Actor+":", h.Reason)

	_ = trip.Undo(context.Background(), t)
	fmt.Println(b.State())

	t.Target = "ledger"
	fmt.Println(trip.Run(context.Background(), t))
	// Output:
	// open by system: SVC-DEP-001 >= 20 in 1m
	// closed
	// breaker: unknown breaker "ledger"
}
