package supervisor_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/selfheal/selfheal/supervisor"
)

func TestRunRecordsStartedThenOutcome(t *testing.T) {
	f := newFixture(t, supervisor.Config{})
	a := &counter{name: "breaker.trip"}
	tr := trig(a, "payments")
	tr.ReplacedCode, tr.Policy, tr.ID = "SVC-DEP-000", "deps", "inc-7"

	rec := f.do(t, tr)

	assert.Equal(t, supervisor.OutcomeOK, rec.Outcome)
	assert.Equal(t, int32(1), a.runs.Load())
	assert.Equal(t, []supervisor.Outcome{supervisor.OutcomeStarted, supervisor.OutcomeOK},
		f.sink.outcomes())
	assert.Equal(t, "SVC-DEP-001", rec.Code)
	assert.Equal(t, "SVC-DEP-000", rec.ReplacedCode)
	assert.Equal(t, "inc-7", rec.ID)
	assert.Equal(t, "breaker.trip", rec.Action)
	assert.Equal(t, "deps", rec.Policy)
	assert.Equal(t, supervisor.SourceDetection, rec.Source)
	assert.Equal(t, "https://runbooks.example/SVC-DEP-001", rec.Runbook)
}

func TestOutcomes(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name      string
		cfg       supervisor.Config
		trigger   func(a supervisor.Action) supervisor.Trigger
		err       error
		want      supervisor.Outcome
		guardrail supervisor.Guardrail
		runs      int32
	}{
		{name: "ok", trigger: func(a supervisor.Action) supervisor.Trigger { return trig(a, "x") },
			want: supervisor.OutcomeOK, runs: 1},
		{name: "failed", err: boom,
			trigger: func(a supervisor.Action) supervisor.Trigger { return trig(a, "x") },
			want:    supervisor.OutcomeFailed, runs: 1},
		{name: "no action",
			trigger: func(supervisor.Action) supervisor.Trigger { return trig(nil, "x") },
			want:    supervisor.OutcomeSkipped, guardrail: supervisor.GuardNotEligible},
		{name: "dry run by trigger", trigger: func(a supervisor.Action) supervisor.Trigger {
			tr := trig(a, "x")
			tr.DryRun = true
			return tr
		}, want: supervisor.OutcomeDryRun},
		{name: "dry run by config", cfg: supervisor.Config{DryRun: true},
			trigger: func(a supervisor.Action) supervisor.Trigger { return trig(a, "x") },
			want:    supervisor.OutcomeDryRun},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.cfg)
			a := &counter{name: "act", err: tt.err}
			rec := f.do(t, tt.trigger(a))
			assert.Equal(t, tt.want, rec.Outcome)
			assert.Equal(t, tt.guardrail, rec.Guardrail)
			assert.Equal(t, tt.runs, a.runs.Load())
			if tt.err != nil {
				assert.Contains(t, rec.Error, "boom")
			}
		})
	}
}

func TestDryRunConsumesNothing(t *testing.T) {
	f := newFixture(t, supervisor.Config{Budget: supervisor.Limit{N: 1}})
	a := &counter{name: "act"}
	dry := trig(a, "x")
	dry.DryRun = true
	for range 3 {
		rec := f.do(t, dry)
		require.Equal(t, supervisor.OutcomeDryRun, rec.Outcome)
		assert.True(t, rec.DryRun)
	}
	assert.Equal(t, supervisor.OutcomeOK, f.do(t, trig(a, "x")).Outcome)
	assert.Equal(t, int32(1), a.runs.Load())
}

func TestCooldownEndsAtItsInstant(t *testing.T) {
	tests := []struct {
		name     string
		cooldown time.Duration // Trigger.Cooldown; 0 uses Config's
		after    time.Duration
		want     supervisor.Outcome
	}{
		{"just before default", 0, 10*time.Minute - time.Nanosecond, supervisor.OutcomeSkipped},
		{"at default end", 0, 10 * time.Minute, supervisor.OutcomeOK},
		{"just before override", time.Minute, time.Minute - time.Nanosecond,
			supervisor.OutcomeSkipped},
		{"at override end", time.Minute, time.Minute, supervisor.OutcomeOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, supervisor.Config{})
			a := &counter{name: "act", err: errors.New("failed attempts count too")}
			tr := trig(a, "db")
			tr.Cooldown = tt.cooldown
			require.Equal(t, supervisor.OutcomeFailed, f.do(t, tr).Outcome)

			other := f.do(t, trig(a, "cache"))
			assert.Equal(t, supervisor.OutcomeFailed, other.Outcome, "another target is free")

			f.clock.Advance(tt.after)
			a.err = nil
			rec := f.do(t, tr)
			assert.Equal(t, tt.want, rec.Outcome)
			if tt.want == supervisor.OutcomeSkipped {
				assert.Equal(t, supervisor.GuardCooldown, rec.Guardrail)
			}
		})
	}
}

func TestBudgetExhaustsAndRefills(t *testing.T) {
	// 2 per hour: a token comes back every 30 minutes.
	f := newFixture(t, supervisor.Config{Budget: supervisor.Limit{N: 2, Per: time.Hour}})
	a := &counter{name: "act"}
	steps := []struct {
		advance   time.Duration
		target    string
		want      supervisor.Outcome
		guardrail supervisor.Guardrail
	}{
		{0, "a", supervisor.OutcomeOK, ""},
		{0, "b", supervisor.OutcomeOK, ""},
		{0, "c", supervisor.OutcomeSkipped, supervisor.GuardBudget},
		{30*time.Minute - time.Nanosecond, "c", supervisor.OutcomeSkipped, supervisor.GuardBudget},
		{time.Nanosecond, "c", supervisor.OutcomeOK, ""},
		{0, "d", supervisor.OutcomeSkipped, supervisor.GuardBudget},
	}
	for i, st := range steps {
		f.clock.Advance(st.advance)
		rec := f.do(t, trig(a, st.target))
		assert.Equal(t, st.want, rec.Outcome, "step %d", i)
		assert.Equal(t, st.guardrail, rec.Guardrail, "step %d", i)
	}
	snap := f.sup.Snapshot()
	assert.Equal(t, 2, snap.Budget.Limit)
	assert.InDelta(t, 0, snap.Budget.Tokens, 0.001)
}

func TestIntensityGivesUpOnTheActionTooMany(t *testing.T) {
	notes := make(chanNotifier, 64)
	f := newFixture(t, supervisor.Config{
		Intensity: supervisor.Limit{N: 2, Per: time.Hour},
		Cooldown:  time.Minute,
		Notifiers: []supervisor.Notifier{notes},
	})
	a := &counter{name: "rollback"}
	tr := trig(a, "deploy")
	want := []supervisor.Outcome{supervisor.OutcomeOK, supervisor.OutcomeOK,
		supervisor.OutcomeSkipped, supervisor.OutcomeSkipped}
	for i, w := range want {
		rec := f.do(t, tr)
		require.Equal(t, w, rec.Outcome, "action %d", i+1)
		if w == supervisor.OutcomeSkipped {
			assert.Equal(t, supervisor.GuardGivenUp, rec.Guardrail)
		}
		f.clock.Advance(time.Minute)
	}
	assert.Equal(t, int32(2), a.runs.Load())

	n := waitNote(t, notes, supervisor.OutcomeGaveUp)
	assert.True(t, n.NeedsHuman)
	assert.Equal(t, "deploy", n.Target)
	assert.Equal(t, "https://runbooks.example/SVC-DEP-001", n.Runbook)
	assert.Equal(t, "rollback", n.Action)
	require.Len(t, f.sup.Snapshot().GivenUp, 1)

	other := f.do(t, trig(a, "elsewhere"))
	assert.Equal(t, supervisor.OutcomeOK, other.Outcome, "other targets keep automating")

	require.NoError(t, f.sup.Rearm("deploy", "human:alice"))
	assert.Empty(t, f.sup.Snapshot().GivenUp)
	assert.Equal(t, supervisor.OutcomeOK, f.do(t, tr).Outcome)
}

func TestIntensityWindowSlides(t *testing.T) {
	f := newFixture(t, supervisor.Config{
		Intensity: supervisor.Limit{N: 1, Per: time.Hour}, Cooldown: time.Minute,
	})
	a := &counter{name: "act"}
	require.Equal(t, supervisor.OutcomeOK, f.do(t, trig(a, "x")).Outcome)
	f.clock.Advance(time.Hour) // the first attempt leaves the window exactly now
	assert.Equal(t, supervisor.OutcomeOK, f.do(t, trig(a, "x")).Outcome)
}

func TestMuteExpiresAtItsInstant(t *testing.T) {
	f := newFixture(t, supervisor.Config{})
	a := &counter{name: "act"}
	until := f.clock.Now().Add(10 * time.Minute)
	require.NoError(t, f.sup.Mute(until, "deploy freeze", "human:bob"))

	snap := f.sup.Snapshot()
	require.NotNil(t, snap.Mute)
	assert.Equal(t, "deploy freeze", snap.Mute.Reason)
	assert.Equal(t, "human:bob", snap.Mute.By)

	rec := f.do(t, trig(a, "x"))
	assert.Equal(t, supervisor.GuardMuted, rec.Guardrail)
	f.clock.Set(until.Add(-time.Nanosecond))
	assert.Equal(t, supervisor.GuardMuted, f.do(t, trig(a, "x")).Guardrail)
	f.clock.Set(until)
	assert.Equal(t, supervisor.OutcomeOK, f.do(t, trig(a, "x")).Outcome)
	assert.Nil(t, f.sup.Snapshot().Mute)
	assert.Contains(t, f.sink.outcomes(), supervisor.OutcomeUnmuted, "expiry is audited")
}

func TestUnmuteAndMuteValidation(t *testing.T) {
	f := newFixture(t, supervisor.Config{})
	a := &counter{name: "act"}
	err := f.sup.Mute(f.clock.Now(), "too late", "human:bob")
	require.ErrorContains(t, err, "not after now")

	require.NoError(t, f.sup.Mute(f.clock.Now().Add(time.Hour), "incident", "human:bob"))
	require.NoError(t, f.sup.Unmute("human:bob"))
	assert.Equal(t, supervisor.OutcomeOK, f.do(t, trig(a, "x")).Outcome)
}

func TestVerify(t *testing.T) {
	tests := []struct {
		name     string
		result   bool
		override time.Duration // Trigger.VerifyWindow
		window   time.Duration // the window that applies
		want     supervisor.Outcome
	}{
		{"cleared", true, 0, 2 * time.Minute, supervisor.OutcomeVerified},
		{"not cleared", false, 0, 2 * time.Minute, supervisor.OutcomeUnverified},
		{"trigger's own window", true, 10 * time.Second, 10 * time.Second,
			supervisor.OutcomeVerified},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, supervisor.Config{VerifyWindow: 2 * time.Minute})
			tr := trig(&counter{name: "act"}, "x")
			tr.Verify = func() bool { return tt.result }
			tr.VerifyWindow = tt.override
			done := f.do(t, tr)

			f.clock.Advance(tt.window - time.Nanosecond)
			f.clock.Advance(time.Nanosecond)
			rec := f.sink.waitFor(t, tt.want)
			assert.Equal(t, done.Time.Add(tt.window), rec.Time)
			assert.Equal(t, done.ID, rec.ID)
		})
	}
}

func TestAnnotationsReachTheOutcomeRecord(t *testing.T) {
	f := newFixture(t, supervisor.Config{})
	a := supervisor.ActionFunc("rollback", func(ctx context.Context, _ supervisor.Trigger) error {
		supervisor.Annotate(ctx, "exit_status", "0")
		supervisor.Annotate(ctx, "stdout", strings.Repeat("x", 10_000))
		for i := range 40 {
			supervisor.Annotate(ctx, fmt.Sprintf("k%02d", i), "v")
		}
		return nil
	})
	tr := trig(a, "api")
	tr.Attrs = map[string]string{"failures": "7"}
	rec := f.do(t, tr)
	assert.Equal(t, "0", rec.Attrs["exit_status"])
	assert.Len(t, rec.Attrs["stdout"], 4096, "values are bounded")
	assert.Equal(t, "7", rec.Attrs["failures"], "the trigger's attributes stay")
	assert.Len(t, rec.Attrs, 17, "the trigger's one plus at most 16 annotations")
	assert.Len(t, tr.Attrs, 1, "the trigger's map is not changed")

	supervisor.Annotate(context.Background(), "ignored", "outside an action") // must not panic
}

func TestNoteRunsNothing(t *testing.T) {
	f := newFixture(t, supervisor.Config{})
	c := &counter{name: "act"}
	require.NoError(t, f.sup.Note(supervisor.Trigger{Target: "payments.down", Action: c,
		Source: supervisor.SourceManual, Actor: "human:alice"}, "inject fault payments.down"))
	rec := f.sink.waitFor(t, supervisor.OutcomeNoted)
	assert.Equal(t, "inject fault payments.down", rec.Reason)
	assert.Equal(t, "human:alice", rec.Actor)
	assert.Empty(t, rec.Action, "a note names no action")
	assert.Zero(t, c.runs.Load())
	assert.Equal(t, []supervisor.Outcome{supervisor.OutcomeNoted}, f.sink.outcomes())
}

func TestRejectWritesOneRejectedRecord(t *testing.T) {
	f := newFixture(t, supervisor.Config{})
	require.NoError(t, f.sup.Reject(supervisor.Trigger{Code: "SVC-DEP-001", Target: "payments",
		Source: supervisor.SourceWebhook, Actor: "webhook:alerting"}, "signature does not verify"))
	rec := f.sink.waitFor(t, supervisor.OutcomeRejected)
	assert.Equal(t, "signature does not verify", rec.Error)
	assert.Equal(t, "webhook:alerting", rec.Actor)
	assert.NotEmpty(t, rec.ID)
	assert.Equal(t, []supervisor.Outcome{supervisor.OutcomeRejected}, f.sink.outcomes())
}

func TestUnverifiedCountsTowardEscalation(t *testing.T) {
	notes := make(chanNotifier, 64)
	f := newFixture(t, supervisor.Config{
		Intensity: supervisor.Limit{N: 1, Per: time.Hour},
		Notifiers: []supervisor.Notifier{notes},
	})
	tr := trig(&counter{name: "act"}, "x")
	tr.Verify = func() bool { panic("probe exploded") }
	f.do(t, tr)
	f.clock.Advance(time.Minute)

	rec := f.sink.waitFor(t, supervisor.OutcomeUnverified)
	assert.Contains(t, rec.Error, "probe exploded")
	assert.True(t, waitNote(t, notes, supervisor.OutcomeGaveUp).NeedsHuman)
}

func TestPanickingActionIsRecordedAsFailed(t *testing.T) {
	f := newFixture(t, supervisor.Config{})
	a := supervisor.ActionFunc("explode", func(context.Context, supervisor.Trigger) error {
		panic("kaboom")
	})
	rec := f.do(t, trig(a, "x"))
	assert.Equal(t, supervisor.OutcomeFailed, rec.Outcome)
	assert.Contains(t, rec.Error, "kaboom")
	assert.Equal(t, supervisor.OutcomeOK, f.do(t, trig(&counter{name: "b"}, "x")).Outcome,
		"the supervisor survives")
}

func TestHungActionIsAbandonedAtItsDeadline(t *testing.T) {
	f := newFixture(t, supervisor.Config{Workers: 2})
	started, release := make(chan time.Time, 1), make(chan struct{})
	defer close(release)
	hung := supervisor.ActionFunc("hang", func(ctx context.Context, _ supervisor.Trigger) error {
		dl, _ := ctx.Deadline()
		started <- dl
		<-release // ignores ctx on purpose
		return nil
	})
	tr := trig(hung, "stuck")
	tr.Timeout = 5 * time.Second
	require.NoError(t, f.sup.Submit(tr))
	deadline := <-started
	assert.Equal(t, f.clock.Now().Add(5*time.Second), deadline)

	// Another target runs while the first hangs.
	assert.Equal(t, supervisor.OutcomeOK, f.do(t, trig(&counter{name: "b"}, "fine")).Outcome)

	f.clock.Advance(5*time.Second - time.Nanosecond)
	f.clock.Advance(time.Nanosecond)
	rec := f.sink.waitFor(t, supervisor.OutcomeFailed)
	assert.Contains(t, rec.Error, "abandoned")
	assert.Equal(t, 5*time.Second, rec.Duration)
}

func TestUndo(t *testing.T) {
	f := newFixture(t, supervisor.Config{})
	r := &reversible{counter: counter{name: "flag.kill"}}
	ctx := context.Background()

	rec, err := f.sup.Undo(ctx, trig(r, "checkout"))
	require.NoError(t, err)
	assert.Equal(t, supervisor.OutcomeOK, rec.Outcome)
	assert.True(t, rec.Undo)
	assert.Equal(t, int32(1), r.undos.Load())

	rec, err = f.sup.Undo(ctx, trig(&counter{name: "oneway"}, "checkout"))
	require.NoError(t, err)
	assert.Equal(t, supervisor.OutcomeRejected, rec.Outcome)
	assert.Equal(t, supervisor.GuardNotEligible, rec.Guardrail)
}

// An undo is an operator's decision: the automation guardrails that hold
// back the action do not hold back its undo, while dry run still applies.
func TestUndoPassesAutomationGuardrails(t *testing.T) {
	f := newFixture(t, supervisor.Config{
		Budget:    supervisor.Limit{N: 1, Per: time.Hour},
		Intensity: supervisor.Limit{N: 1, Per: time.Hour},
		Cooldown:  time.Hour,
	})
	r := &reversible{counter: counter{name: "flag.kill"}}
	ctx := context.Background()
	tr := trig(r, "checkout")
	require.Equal(t, supervisor.OutcomeOK, f.do(t, tr).Outcome)
	require.NoError(t, f.sup.Mute(f.clock.Now().Add(time.Hour), "freeze", "human:bob"))
	require.Equal(t, supervisor.OutcomeSkipped, f.do(t, tr).Outcome, "muted")

	rec, err := f.sup.Undo(ctx, tr)
	require.NoError(t, err)
	assert.Equal(t, supervisor.OutcomeOK, rec.Outcome, "in cooldown, muted, budget spent")
	assert.Equal(t, int32(1), r.undos.Load())

	dry := tr
	dry.DryRun = true
	rec, err = f.sup.Undo(ctx, dry)
	require.NoError(t, err)
	assert.Equal(t, supervisor.OutcomeDryRun, rec.Outcome)
	assert.True(t, rec.Undo)
	assert.Equal(t, int32(1), r.undos.Load(), "a dry-run undo runs nothing")
}

// A dry run at the intensity limit reports the refusal but changes
// nothing: the target is not given up and nobody is paged.
func TestDryRunAtIntensityLimitGivesNothingUp(t *testing.T) {
	f := newFixture(t, supervisor.Config{
		Intensity: supervisor.Limit{N: 1, Per: time.Hour}, Cooldown: time.Minute,
	})
	a := &counter{name: "act"}
	require.Equal(t, supervisor.OutcomeOK, f.do(t, trig(a, "x")).Outcome)
	f.clock.Advance(time.Minute)

	dry := trig(a, "x")
	dry.DryRun = true
	rec := f.do(t, dry)
	assert.Equal(t, supervisor.OutcomeSkipped, rec.Outcome)
	assert.Equal(t, supervisor.GuardGivenUp, rec.Guardrail)
	assert.Empty(t, f.sup.Snapshot().GivenUp)
	assert.NotContains(t, f.sink.outcomes(), supervisor.OutcomeGaveUp)
}

// Sizes below zero mean the default, as zero does, rather than a panic.
func TestNegativeSizesMeanDefaults(t *testing.T) {
	f := newFixture(t, supervisor.Config{
		Workers: -1, QueueSize: -1, NotifyQueueSize: -1, RecentRecords: -1,
	})
	assert.Equal(t, supervisor.OutcomeOK, f.do(t, trig(&counter{name: "act"}, "x")).Outcome)
}

type reversible struct {
	counter
	undos atomicInt
}

func (r *reversible) Undo(context.Context, supervisor.Trigger) error {
	r.undos.Add(1)
	return nil
}
