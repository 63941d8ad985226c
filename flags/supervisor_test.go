package flags

import (
	"context"
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

// TestSupervisorKillsAndRevives runs the Kill action the way a policy
// does, through the supervisor's guardrails and audit, without a Healer:
// a service that decides for itself when to act uses it this way.
func TestSupervisorKillsAndRevives(t *testing.T) {
	ctx := context.Background()
	clock := healtest.NewClock(time.Time{})
	sw := newSwitch(t, memprovider.NewInMemoryProvider(testFlags()), Config{Clock: clock})
	client, _ := serve(t, sw)
	on := func() bool {
		return client.Boolean(ctx, "new-checkout", false, openfeature.EvaluationContext{})
	}

	sup, err := supervisor.New(supervisor.Config{Clock: clock, Logger: quiet})
	require.NoError(t, err)
	defer func() { assert.NoError(t, sup.Close()) }()

	trig := heal.Trigger{
		Code: "DEPLOY-HEALTH-002", Target: "new-checkout", Action: Kill(sw),
		Source: supervisor.SourceDetection, Actor: "system", Reason: "sustained for 2m",
	}
	require.True(t, on())
	rec, err := sup.Do(ctx, trig)
	require.NoError(t, err)
	require.Equal(t, supervisor.OutcomeOK, rec.Outcome)
	assert.False(t, on(), "the supervisor's kill turned the flag off")

	rec, err = sup.Undo(ctx, trig)
	require.NoError(t, err)
	require.Equal(t, supervisor.OutcomeOK, rec.Outcome)
	assert.True(t, on())
}
