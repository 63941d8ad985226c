package supervisor_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/selfheal/selfheal/supervisor"
)

// A service runs an action on an operator's request and gets its outcome.
func Example() {
	sup, err := supervisor.New(supervisor.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		panic(err)
	}
	defer sup.Close()

	recycle := supervisor.ActionFunc("pool.recycle", func(
		ctx context.Context, t supervisor.Trigger,
	) error {
		fmt.Println("recycling", t.Target)
		return nil
	})
	manual := supervisor.Trigger{
		Code: "DB-CONN-001", Target: "orders-db", Action: recycle,
		Source: supervisor.SourceManual, Actor: "human:alice",
	}
	rec, err := sup.Do(context.Background(), manual)
	fmt.Println(rec.Outcome, rec.Actor, err)

	// The same action on the same target is now in its cooldown.
	rec, _ = sup.Do(context.Background(), manual)
	fmt.Println(rec.Outcome, rec.Guardrail)
	// Output:
	// recycling orders-db
	// ok human:alice <nil>
	// skipped cooldown
}

// While muted, every trigger is skipped and says why.
func ExampleSupervisor_Mute() {
	sup, _ := supervisor.New(supervisor.Config{Logger: slog.New(slog.DiscardHandler)})
	defer sup.Close()

	_ = sup.Mute(time.Now().Add(time.Hour), "database migration", "human:bob")
	noop := supervisor.ActionFunc("noop",
		func(context.Context, supervisor.Trigger) error { return nil })
	rec, _ := sup.Do(context.Background(), supervisor.Trigger{Action: noop, Target: "x"})
	fmt.Println(rec.Outcome, rec.Guardrail, sup.Snapshot().Mute.Reason)
	// Output: skipped muted database migration
}

// healctl audit verify checks a trail like this.
func ExampleVerifyAuditFile() {
	dir, _ := os.MkdirTemp("", "audit")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "audit.jsonl")

	sink, _ := supervisor.OpenFileSink(path)
	for _, o := range []supervisor.Outcome{supervisor.OutcomeStarted, supervisor.OutcomeOK} {
		_ = sink.Write(supervisor.Record{Time: time.Unix(0, 0), Outcome: o, Target: "payments"})
	}
	_ = sink.Close()
	n, err := supervisor.VerifyAuditFile(path)
	fmt.Println(n, err)

	// Tamper with the second record.
	b, _ := os.ReadFile(path)
	i := bytes.LastIndex(b, []byte("payments"))
	copy(b[i:], "PAYMENTS")
	_ = os.WriteFile(path, b, 0o600)
	_, err = supervisor.VerifyAuditFile(path)
	var bad *supervisor.AuditError
	if errors.As(err, &bad) {
		fmt.Println("line", bad.Line, bad.Reason)
	}
	// Output:
	// 2 <nil>
	// line 2 hash mismatch: the record was modified
}
