package rollback_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/selfheal/selfheal/heal"
	"github.com/selfheal/selfheal/healtest"
	"github.com/selfheal/selfheal/rollback"
	"github.com/selfheal/selfheal/supervisor"
)

// TestRollbackThroughAPolicy runs the whole loop: a deploy's health check
// fails, the rule crosses, the supervisor runs the rollback, and the audit
// record carries each kubectl step with its exit status and output.
func TestRollbackThroughAPolicy(t *testing.T) {
	bin, log := fake(t)
	t.Setenv("FAKE_LOG", log)
	clk := healtest.NewClock(time.Time{})
	audit := &healtest.AuditLog{}
	h, err := heal.New(heal.Config{Clock: clk, Logger: slog.New(slog.DiscardHandler),
		Supervisor: supervisor.Config{AuditSink: audit}})
	require.NoError(t, err)
	defer func() { assert.NoError(t, h.Close()) }()

	undo := rollback.Undo(rollback.Config{Kubectl: bin, Namespace: "shop"})
	require.NoError(t, h.On("DEPLOY-HEALTH-001", heal.AtLeast(3, time.Minute), undo))
	tax := h.Taxonomy()
	for range 3 {
		h.Report(tax.Wrap("DEPLOY-HEALTH-001", "api", errors.New("readiness probe failed")))
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // against a hang
	defer cancel()
	rec, err := audit.WaitFor(ctx, supervisor.OutcomeOK, "rollback.undo", "api")
	require.NoError(t, err)
	assert.Equal(t, "rollback.undo", rec.Action)
	assert.Equal(t, "api", rec.Target)
	assert.Equal(t, bin+" rollout undo deployment/api --namespace=shop", rec.Attrs["step1.command"])
	assert.Equal(t, "0", rec.Attrs["step1.exit_status"])
	assert.Contains(t, rec.Attrs["step2.command"], "rollout status deployment/api")
	assert.Equal(t, "deployment.apps status done\n", rec.Attrs["step2.stdout"])
	require.Len(t, calls(t, log), 2)
}

// TestRejectedNameIsAudited shows a hostile target failing before any
// command runs, with the reason in the audit record.
func TestRejectedNameIsAudited(t *testing.T) {
	bin, log := fake(t)
	t.Setenv("FAKE_LOG", log)
	h, err := heal.New(heal.Config{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	defer func() { assert.NoError(t, h.Close()) }()

	rec, err := h.Supervisor().Do(context.Background(), supervisor.Trigger{
		Code:   "DEPLOY-HEALTH-001",
		Target: "api; rm -rf /",
		Action: rollback.Undo(rollback.Config{Kubectl: bin}),
		Source: supervisor.SourceManual,
		Actor:  "human:alice",
	})
	require.NoError(t, err)
	assert.Equal(t, supervisor.OutcomeFailed, rec.Outcome)
	assert.Contains(t, rec.Error, `"api; rm -rf /"`)
	assert.Empty(t, calls(t, log), "nothing ran")
}
