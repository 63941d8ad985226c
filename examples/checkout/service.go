package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/sony/gobreaker/v2"

	"github.com/selfheal/selfheal/heal"
)

// problems answers clients without revealing codes; its log stays quiet
// because the timeline tells the story.
var problems = heal.ProblemWriter{Logger: discardLogger}

// checkout charges the card, runs the checkout flow the flag selects, and
// records the order.
func (a *app) checkout(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := a.call(ctx, "payments", a.paymentsURL); err != nil {
		a.fail(w, r, err)
		return
	}
	flow := "classic"
	if a.flag.Boolean(ctx, newCheckoutFlag, false, openfeature.EvaluationContext{}) {
		flow = "new"
		if err := newFlowBroken.Err(); err != nil {
			a.fail(w, r, err)
			return
		}
	}
	if _, err := a.db.DB().ExecContext(ctx, "insert into orders (flow, at) values (?, ?)",
		flow, time.Now().UTC().Format(time.RFC3339Nano)); err != nil {
		a.fail(w, r, a.tax.Wrap("DB-CONN-001", "orders-db", err))
		return
	}
	w.WriteHeader(http.StatusCreated)
}

// stock asks the inventory service.
func (a *app) stock(w http.ResponseWriter, r *http.Request) {
	if err := a.call(r.Context(), "inventory", a.inventoryURL); err != nil {
		a.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// call calls a dependency through its breaker. The breaker reports the
// dependency's failures to the Healer itself.
func (a *app) call(ctx context.Context, name, url string) error {
	b, _ := a.breakers.Get(name)
	return b.Execute(func() error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		res, err := a.client.Do(req)
		if err != nil {
			return a.tax.Wrap("SVC-DEP-001", name, err)
		}
		res.Body.Close()
		if res.StatusCode >= 500 {
			return a.tax.Wrap("SVC-DEP-001", name, fmt.Errorf("%s answered %s", name, res.Status))
		}
		return nil
	})
}

// fail reports err (unless the breaker already did) and answers the client
// with a sanitized problem.
func (a *app) fail(w http.ResponseWriter, r *http.Request, err error) {
	if !reportedByBreaker(err) {
		a.h.Report(err)
	}
	problems.Write(w, r, err)
}

// reportedByBreaker reports whether err is a dependency failure that the
// breaker passed to the Healer; its own rejections it leaves to us.
func reportedByBreaker(err error) bool {
	if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) {
		return false
	}
	return heal.HasCode(err, "SVC-DEP-001")
}
