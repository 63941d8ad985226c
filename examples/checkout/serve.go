package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/selfheal/selfheal/healtest"
	"github.com/selfheal/selfheal/statuspage"
	"github.com/selfheal/selfheal/statuspage/failpoints"
)

// serveStatus keeps the service running under load with the status page
// on addr, until ctx is done.
func (a *app) serveStatus(ctx context.Context, addr string, out io.Writer) int {
	token := rand.Text()
	page, err := statuspage.New(statuspage.Config{
		Healer:   a.h,
		Breakers: &a.breakers,
		Flags:    a.sw,
		Faults:   newDemoFaults(a),
		Tokens:   []statuspage.Token{{Secret: token, Operator: "demo"}},
		Title:    "checkout: selfheal status",
		Logger:   discardLogger,
	})
	if err != nil {
		fmt.Fprintln(out, "checkout:", err)
		return 1
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(out, "checkout:", err)
		return 1
	}
	srv := &http.Server{Handler: page, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	fmt.Fprintf(out, "status page: http://%s/\noperator token: %s\n", ln.Addr(), token)
	fmt.Fprintln(out, "inject faults from the page; press Ctrl-C to stop")

	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); newLoad(a).run(ctx, 50*time.Millisecond, "/checkout", "/stock") }()
	<-ctx.Done()
	wg.Wait()
	return 0
}

// brokenPool is the fault that breaks the orders database's connections.
// It is not a failpoint: it breaks what is open, once, and recycling the
// pool is what heals it, so there is nothing to clear.
const brokenPool = "orders-db.break"

// demoFaults offers the status page the demo's failpoints, through
// failpoints.Set, and the one-shot pool break.
type demoFaults struct {
	*failpoints.Set
	conn *healtest.BreakableConnector
}

func newDemoFaults(a *app) demoFaults {
	return demoFaults{conn: a.conn, Set: failpoints.New(map[string]healtest.Fault{
		paymentsDown.Name():  {Err: errDown},
		inventoryDown.Name(): {Err: errDown},
		newFlowBroken.Name(): {Err: a.tax.New("DEPLOY-HEALTH-002", newCheckoutFlag,
			"new flow fails")},
	})}
}

func (f demoFaults) List() []statuspage.Fault {
	return append(f.Set.List(), statuspage.Fault{Name: brokenPool,
		Description: "break every open database connection (one shot; recycling heals it)"})
}

func (f demoFaults) Inject(name string) error {
	if name == brokenPool {
		f.conn.Break(errors.New("connection reset by peer"))
		return nil
	}
	return f.Set.Inject(name)
}

func (f demoFaults) Clear(name string) error {
	if name == brokenPool {
		return nil
	}
	return f.Set.Clear(name)
}
