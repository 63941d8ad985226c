package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"
	"github.com/open-feature/go-sdk/openfeature/memprovider"
	"github.com/sony/gobreaker/v2"
	"modernc.org/sqlite"

	"github.com/selfheal/selfheal/breaker"
	"github.com/selfheal/selfheal/flags"
	"github.com/selfheal/selfheal/heal"
	"github.com/selfheal/selfheal/healtest"
	"github.com/selfheal/selfheal/pool"
	"github.com/selfheal/selfheal/supervisor"
	"github.com/selfheal/selfheal/webhook"
)

// The faults the demo can inject, as failpoints in its own code.
var (
	paymentsDown  = healtest.NewFailpoint("payments.down")
	inventoryDown = healtest.NewFailpoint("inventory.down")
	newFlowBroken = healtest.NewFailpoint("checkout.new-flow")
)

// newCheckoutFlag is the feature flag of the checkout flow deployed today.
const newCheckoutFlag = "new-checkout"

// app is the checkout service: HTTP handlers over a payments and an
// inventory dependency (each behind a breaker), a feature flag behind the
// kill switch, and an orders database behind a recyclable pool, all
// supervised by one Healer.
type app struct {
	tax      *heal.Taxonomy
	h        *heal.Healer
	tl       *timeline
	dir      string
	breakers breaker.Set
	sw       *flags.Switch
	flag     *openfeature.Client
	conn     *healtest.BreakableConnector
	db       *pool.SQL
	receiver *webhook.Receiver
	secret   webhook.Secret

	paymentsURL, inventoryURL, url string
	client                         *http.Client
	closers                        []func()
}

// newApp starts the service with its dependencies, each on its own
// loopback port, and binds the recovery policies.
func newApp(ctx context.Context, dir string, tl *timeline) (*app, error) {
	a := &app{tax: heal.DefaultTaxonomy(), tl: tl, dir: dir, client: &http.Client{
		Timeout:   2 * time.Second,
		Transport: http.DefaultTransport.(*http.Transport).Clone(),
	}}
	steps := []func(context.Context) error{a.startHealer, a.startDependencies, a.startBreakers,
		a.startFlags, a.startDatabase, a.startWebhook, a.bindPolicies, a.startServer}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			a.close()
			return nil, err
		}
	}
	return a, nil
}

// close stops everything in reverse order of starting. The client's idle
// connections are closed first, so that no server waits on a connection
// the client dialed but never used, and again last, for those the servers
// hung up on.
func (a *app) close() {
	a.client.CloseIdleConnections()
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
	a.closers = nil
	a.client.CloseIdleConnections()
}

// auditPath is where the supervisor writes the audit trail.
func (a *app) auditPath() string { return filepath.Join(a.dir, "audit.jsonl") }

func (a *app) startHealer(context.Context) error {
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	h, err := heal.New(heal.Config{
		Taxonomy:      a.tax,
		Logger:        quiet,
		Resolution:    50 * time.Millisecond,
		StormInterval: -1,
		Supervisor: supervisor.Config{
			AuditPath:    a.auditPath(),
			AuditSink:    a.tl,
			Notifiers:    []supervisor.Notifier{a.tl},
			Budget:       supervisor.Limit{N: 20, Per: time.Minute},
			Intensity:    supervisor.Limit{N: 2, Per: time.Minute},
			VerifyWindow: 2 * time.Second,
		},
	})
	if err != nil {
		return err
	}
	a.h = h
	a.closers = append(a.closers, func() { _ = h.Close() })
	a.h.Subscribe(a.tl.incident)
	return nil
}

// startDependencies starts stand-ins for the payments and inventory
// services: real HTTP servers that fail while their failpoint is active.
func (a *app) startDependencies(context.Context) error {
	var err error
	if a.paymentsURL, err = a.serve(dependency(paymentsDown)); err != nil {
		return err
	}
	a.inventoryURL, err = a.serve(dependency(inventoryDown))
	return err
}

func dependency(down *healtest.Failpoint) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if down.Err() != nil {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// startBreakers puts each dependency behind a breaker that leaves tripping
// to the supervisor's policy and reports failures to the Healer.
func (a *app) startBreakers(context.Context) error {
	for _, name := range []string{"payments", "inventory"} {
		b := breaker.New(name, breaker.Config{
			ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures > 1000 },
			Timeout:     time.Second,
			Reporter:    a.h,
			RejectCode:  "SVC-DEP-002",
			Taxonomy:    a.tax,
			OnEvent:     a.tl.breakerEvent,
			Logger:      discardLogger,
		})
		if err := a.breakers.Add(b); err != nil {
			return err
		}
	}
	return nil
}

// startFlags serves the new checkout flow's flag through the kill switch.
func (a *app) startFlags(ctx context.Context) error {
	app := memprovider.NewInMemoryProvider(map[string]memprovider.InMemoryFlag{
		newCheckoutFlag: {Key: newCheckoutFlag, State: memprovider.Enabled, DefaultVariant: "on",
			Variants: map[string]any{"on": true, "off": false}},
	})
	sw, err := flags.New(app, flags.Config{Path: filepath.Join(a.dir, "kills.json"),
		Logger: discardLogger})
	if err != nil {
		return err
	}
	api := isolated.NewAPI()
	if err := api.SetProviderAndWait(ctx, sw); err != nil {
		return err
	}
	a.sw, a.flag = sw, api.NewClient()
	a.closers = append(a.closers, func() { _ = api.Shutdown(context.Background()) })
	return nil
}

// startDatabase opens the orders database: SQLite through a pure-Go
// driver, behind a connector whose connections a fault can break.
func (a *app) startDatabase(ctx context.Context) error {
	dsn := "file:" + filepath.Join(a.dir, "orders.db") +
		"?_pragma=busy_timeout(2000)&_pragma=journal_mode(WAL)"
	a.conn = healtest.NewBreakableConnector(healtest.DSNConnector(&sqlite.Driver{}, dsn))
	db, err := pool.OpenSQL(ctx, func(context.Context) (*sql.DB, error) {
		db := sql.OpenDB(a.conn)
		db.SetMaxOpenConns(4)
		return db, nil
	})
	if err != nil {
		return err
	}
	a.db = db
	a.closers = append(a.closers, func() { _ = db.Close() })
	_, err = db.DB().ExecContext(ctx, `create table if not exists orders (
		id integer primary key, flow text not null, at text not null)`)
	return err
}

// startWebhook mounts the signed-trigger receiver, as an alerting system
// would call it.
func (a *app) startWebhook(context.Context) error {
	secret, err := webhook.ParseSecret(webhook.GenerateSecret())
	if err != nil {
		return err
	}
	rc, err := webhook.New(webhook.Config{Target: a.h, Secrets: []webhook.Secret{secret},
		Sender: "alerting", Logger: discardLogger})
	if err != nil {
		return err
	}
	a.receiver, a.secret = rc, secret
	a.closers = append(a.closers, func() { _ = rc.Close() })
	return nil
}

// bindPolicies says what to do for each code. These are the whole of the
// service's automation; everything else pages a person.
func (a *app) bindPolicies(context.Context) error {
	quiet := heal.Quiet(200 * time.Millisecond)
	binds := []struct {
		pattern string
		rule    heal.Rule
		action  heal.Action
		opts    []heal.Option
	}{
		// Trip for longer than the rule's window plus its quiet period, so
		// that an outage outlasting the trip shows as a new incident.
		{"SVC-DEP-001", heal.AtLeast(5, time.Second), breaker.Trip(&a.breakers, 2*time.Second),
			[]heal.Option{heal.Cooldown(500 * time.Millisecond), quiet}},
		{"DEPLOY-HEALTH-002", heal.AtLeast(5, time.Second), flags.Kill(a.sw), []heal.Option{quiet}},
		{"DB-CONN-001", heal.AtLeast(3, time.Second), pool.Recycle(a.db), []heal.Option{quiet}},
	}
	for _, b := range binds {
		if err := a.h.On(b.pattern, b.rule, b.action, b.opts...); err != nil {
			return err
		}
	}
	return nil
}

func (a *app) startServer(context.Context) error {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /checkout", a.checkout)
	mux.HandleFunc("GET /stock", a.stock)
	mux.Handle("POST /hooks/trigger", a.receiver.Trigger())
	mux.Handle("GET /healthz", a.h.Supervisor().Handler())
	var err error
	a.url, err = a.serve(mux)
	return err
}

// serve starts an HTTP server for h on a loopback port.
func (a *app) serve(h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.tl.printf("server: %v", err)
		}
	}()
	a.closers = append(a.closers, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			_ = srv.Close() // a connection outlived the grace period
		}
		<-done
	})
	return "http://" + ln.Addr().String(), nil
}
