package main

import (
	"bytes"
	"database/sql"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"modernc.org/sqlite"

	"github.com/selfheal/selfheal/heal"
	"github.com/selfheal/selfheal/healtest"
	"github.com/selfheal/selfheal/statuspage"
)

// TestScriptedIncident plays the demo as the README runs it: every
// expected recovery must happen, in real time, and nothing may be left
// running afterwards.
func TestScriptedIncident(t *testing.T) {
	if testing.Short() {
		t.Skip("the scripted incident takes about 12 seconds of real time; run without -short")
	}
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	var out bytes.Buffer
	code := run(false, "", t.TempDir(), &out)
	assert.Equal(t, 0, code, out.String())
	for _, want := range []string{
		"breaker payments: forced open by system",
		"flag new-checkout killed: true",
		"pool.recycle orders-db ok",
		`skipped by guardrail "cooldown" (actor webhook:alerting)`,
		"GAVE UP on inventory",
		"PAGE: ",
		"audit chain intact",
		"every expected recovery happened",
	} {
		assert.Contains(t, out.String(), want)
	}
}

func TestDemoFaults(t *testing.T) {
	a := &app{tax: heal.DefaultTaxonomy(), conn: healtest.NewBreakableConnector(
		healtest.DSNConnector(&sqlite.Driver{}, "file::memory:"))}
	f := newDemoFaults(a)
	var names []string
	for _, fault := range f.List() {
		names = append(names, fault.Name)
		assert.False(t, fault.Active, fault.Name)
	}
	assert.Equal(t, []string{"checkout.new-flow", "inventory.down", "payments.down",
		brokenPool}, names)

	require.NoError(t, f.Inject("payments.down"))
	assert.True(t, paymentsDown.Active())
	assert.True(t, f.List()[2].Active)
	require.NoError(t, f.Clear("payments.down"))
	assert.False(t, paymentsDown.Active())
	assert.ErrorIs(t, f.Inject("nope"), statuspage.ErrUnknown)
	assert.ErrorIs(t, f.Clear("nope"), statuspage.ErrUnknown)

	db := sql.OpenDB(a.conn)
	defer db.Close()
	require.NoError(t, db.Ping())
	require.NoError(t, f.Inject(brokenPool))
	assert.Error(t, db.Ping(), "the open connection is broken")
	assert.NoError(t, f.Clear(brokenPool), "nothing to clear")
}
