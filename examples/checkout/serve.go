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
)

// serveStatus keeps the service running under load with the status page
// on addr, until ctx is done.
func (a *app) serveStatus(ctx context.Context, addr string, out io.Writer) int {
	token := rand.Text()
	page, err := statuspage.New(statuspage.Config{
		Healer:   a.h,
		Breakers: &a.breakers,
		Flags:    a.sw,
		Faults:   &demoFaults{a: a},
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

// demoFaults offers the demo's faults to the status page.
type demoFaults struct {
	a       *app
	mu      sync.Mutex
	removes map[string]func()
}

// faultDefs names each fault and says what it does.
var faultDefs = []struct {
	fp          *healtest.Failpoint
	description string
}{
	{paymentsDown, "payments answers 503"},
	{inventoryDown, "inventory answers 503"},
	{newFlowBroken, "the new checkout flow fails (a bad deploy)"},
}

const brokenPool = "orders-db.break"

func (f *demoFaults) List() []statuspage.Fault {
	out := make([]statuspage.Fault, 0, len(faultDefs)+1)
	for _, d := range faultDefs {
		out = append(out, statuspage.Fault{
			Name:        d.fp.Name(),
			Active:      d.fp.Active(),
			Description: d.description,
		})
	}
	return append(out, statuspage.Fault{Name: brokenPool,
		Description: "break every open database connection (one shot; recycling heals it)"})
}

func (f *demoFaults) Inject(name string) error {
	if name == brokenPool {
		f.a.conn.Break(errors.New("connection reset by peer"))
		return nil
	}
	fp, err := f.lookup(name)
	if err != nil {
		return err
	}
	var injected error = errDown
	if fp == newFlowBroken {
		injected = f.a.tax.New("DEPLOY-HEALTH-002", newCheckoutFlag, "new flow fails")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.removes == nil {
		f.removes = map[string]func(){}
	}
	f.removes[name] = fp.Inject(healtest.Fault{Err: injected})
	return nil
}

func (f *demoFaults) Clear(name string) error {
	if name == brokenPool {
		return nil
	}
	fp, err := f.lookup(name)
	if err != nil {
		return err
	}
	fp.Clear()
	return nil
}

func (f *demoFaults) lookup(name string) (*healtest.Failpoint, error) {
	for _, d := range faultDefs {
		if d.fp.Name() == name {
			return d.fp, nil
		}
	}
	return nil, fmt.Errorf("checkout: fault %q: %w", name, statuspage.ErrUnknown)
}
