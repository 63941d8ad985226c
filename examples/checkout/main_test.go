package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"
)

// TestScriptedIncident plays the demo as the README runs it: every
// expected recovery must happen, in real time, and nothing may be left
// running afterwards.
func TestScriptedIncident(t *testing.T) {
	if testing.Short() {
		t.Skip("the scripted incident takes about 15 seconds of real time; run without -short")
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
