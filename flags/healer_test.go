package flags

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/memprovider"
	"github.com/selfheal/selfheal/heal"
	"github.com/selfheal/selfheal/healtest"
	"github.com/selfheal/selfheal/supervisor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHealerKillsFlagOnDeployHealth goes from failing reports to a flag
// read off and back: the rule crosses, the supervisor runs Kill, clients
// see the flag off at once, and an operator's undo revives it.
func TestHealerKillsFlagOnDeployHealth(t *testing.T) {
	ctx := context.Background()
	clock := healtest.NewClock(time.Time{})
	tax := heal.MustNewTaxonomy(heal.Definition{
		Code: "DEPLOY-HEALTH-002", Title: "new checkout failing", Owner: "team-checkout",
		Severity: heal.SeverityHigh, Runbook: "https://runbooks.example/DEPLOY-HEALTH-002",
		Response: "kill the flag",
	})
	h, err := heal.New(heal.Config{Taxonomy: tax, Clock: clock, Logger: quiet})
	require.NoError(t, err)
	defer func() { assert.NoError(t, h.Close()) }()

	sw := newSwitch(t, memprovider.NewInMemoryProvider(testFlags()), Config{Clock: clock})
	client, changes := serve(t, sw)
	on := func() bool {
		return client.Boolean(ctx, "new-checkout", false, openfeature.EvaluationContext{})
	}

	kill := Kill(sw)
	require.NoError(t, h.On("DEPLOY-HEALTH-*", heal.AtLeast(3, time.Minute), kill))
	require.True(t, on())

	// The fault: the new checkout path fails after a deploy.
	for range 3 {
		h.Report(tax.Wrap("DEPLOY-HEALTH-002", "new-checkout", errors.New("500 from /checkout")))
	}
	assert.Equal(t, []string{"new-checkout"}, next(t, changes).FlagChanges,
		"the policy kills the flag")
	assert.False(t, on(), "the killed flag reads off")
	rec, killed := sw.Killed("new-checkout")
	require.True(t, killed)
	assert.Equal(t, "system", rec.Actor)

	// Recovery: an operator undoes the kill through the supervisor.
	out, err := h.Supervisor().Undo(ctx, heal.Trigger{Target: "new-checkout", Action: kill,
		Source: supervisor.SourceManual, Actor: "human:alice", Reason: "fix deployed"})
	require.NoError(t, err)
	require.Equal(t, supervisor.OutcomeOK, out.Outcome)
	assert.True(t, on())
}
