package heal_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/selfheal/selfheal/heal"
	"github.com/selfheal/selfheal/healtest"
	"github.com/selfheal/selfheal/supervisor"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func def(code string, sev heal.Severity) heal.Definition {
	return heal.Definition{
		Code: heal.Code(code), Title: "Something failed: " + code, Owner: "team-a",
		Severity: sev, Runbook: "https://runbooks.example.com/" + code,
		Response: "Do the thing.",
	}
}

// testTaxonomy defines a few codes in two domains and one deprecated code.
func testTaxonomy(t testing.TB) *heal.Taxonomy {
	t.Helper()
	old := def("DB-CONN-000", heal.SeverityHigh)
	old.Deprecated, old.ReplacedBy = true, "DB-CONN-001"
	tax, err := heal.NewTaxonomy(
		def("DB-CONN-001", heal.SeverityCritical), old,
		def("DB-QUERY-001", heal.SeverityMedium),
		def("SVC-DEP-001", heal.SeverityHigh), def("SVC-DEP-002", heal.SeverityHigh),
	)
	require.NoError(t, err)
	return tax
}

// fixture is a Healer on a fake clock that records its incidents.
type fixture struct {
	h   *heal.Healer
	clk *healtest.Clock
	tax *heal.Taxonomy
	log *bytes.Buffer

	mu        sync.Mutex
	incidents []heal.Incident
}

func newFixture(t *testing.T, cfg heal.Config) *fixture {
	t.Helper()
	f := &fixture{clk: healtest.NewClock(time.Time{}), tax: testTaxonomy(t), log: new(bytes.Buffer)}
	cfg.Clock = f.clk
	if cfg.Taxonomy == nil {
		cfg.Taxonomy = f.tax
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(&syncWriter{w: f.log}, nil))
	}
	h, err := heal.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, h.Close()) })
	f.h = h
	h.Subscribe(func(i heal.Incident) {
		f.mu.Lock()
		f.incidents = append(f.incidents, i)
		f.mu.Unlock()
	})
	return f
}

// events flushes the Healer's loop and returns the incidents seen so far.
func (f *fixture) events() []heal.Incident {
	heal.Flush(f.h)
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]heal.Incident(nil), f.incidents...)
}

func (f *fixture) report(code, target string, n int) {
	for range n {
		f.h.Report(f.tax.Wrap(heal.Code(code), target, io.EOF))
	}
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func TestAtLeastFiresOnTheCrossingReportOncePerIncident(t *testing.T) {
	f := newFixture(t, heal.Config{})
	require.NoError(t, f.h.On("DB-CONN-001", heal.AtLeast(3, 10*time.Second), nil))

	f.report("DB-CONN-001", "primary", 2)
	assert.Empty(t, f.events(), "below the threshold")

	f.report("DB-CONN-001", "primary", 1)
	ev := f.events()
	require.Len(t, ev, 1, "the third report crosses")
	assert.Equal(t, heal.Code("DB-CONN-001"), ev[0].Code)
	assert.Equal(t, "primary", ev[0].Target)
	assert.Equal(t, int64(3), ev[0].Failures)
	assert.Equal(t, 10*time.Second, ev[0].Window)
	assert.Equal(t, healtest.Epoch, ev[0].FirstSeen)
	assert.False(t, ev[0].Resolved)

	f.report("DB-CONN-001", "primary", 10)
	assert.Len(t, f.events(), 1, "an open incident does not fire again")

	f.report("DB-CONN-001", "replica", 3)
	assert.Len(t, f.events(), 2, "each target has its own window")
}

func TestIncidentResolvesAfterQuietPeriodAndCanFireAgain(t *testing.T) {
	f := newFixture(t, heal.Config{})
	require.NoError(t, f.h.On("DB-CONN-001", heal.AtLeast(3, 10*time.Second), nil,
		heal.Quiet(5*time.Second)))
	f.report("DB-CONN-001", "primary", 3)
	require.Len(t, f.events(), 1)

	f.clk.Advance(9 * time.Second)
	assert.Len(t, f.events(), 1, "still within the window: active")
	f.clk.Advance(5 * time.Second)
	assert.Len(t, f.events(), 1, "below the threshold, but not yet for the quiet period")
	f.clk.Advance(5 * time.Second)
	ev := f.events()
	require.Len(t, ev, 2)
	assert.True(t, ev[1].Resolved)
	assert.Equal(t, ev[0].ID, ev[1].ID)
	assert.Equal(t, f.clk.Now(), ev[1].ResolvedAt)
	assert.Empty(t, f.h.Snapshot().Open)

	f.report("DB-CONN-001", "primary", 3)
	ev = f.events()
	require.Len(t, ev, 3, "fires again once resolved")
	assert.NotEqual(t, ev[0].ID, ev[2].ID)
}

func TestWindowSlides(t *testing.T) {
	f := newFixture(t, heal.Config{})
	require.NoError(t, f.h.On("DB-CONN-001", heal.AtLeast(3, 10*time.Second), nil))
	steps := []struct {
		advance time.Duration
		reports int
		fired   int
	}{
		{0, 2, 0},
		{9 * time.Second, 0, 0},
		{time.Second, 1, 0}, // the first two fell out of the window
		{5 * time.Second, 1, 0},
		{time.Second, 1, 1},
	}
	for i, s := range steps {
		f.clk.Advance(s.advance)
		f.report("DB-CONN-001", "", s.reports)
		assert.Len(t, f.events(), s.fired, "step %d", i)
	}
}

func TestSustainedMustHoldForTheWholeDuration(t *testing.T) {
	f := newFixture(t, heal.Config{})
	require.NoError(t, f.h.On("SVC-DEP-001", heal.Sustained(2, 4*time.Second), nil))

	// 2/s for 3 seconds, then a gap, then a burst that averages above.
	for range 3 {
		f.report("SVC-DEP-001", "payments", 2)
		f.clk.Advance(time.Second)
	}
	f.clk.Advance(time.Second)
	f.report("SVC-DEP-001", "payments", 20)
	assert.Empty(t, f.events(), "a burst after a gap is not sustained")

	for range 3 {
		f.clk.Advance(time.Second)
		f.report("SVC-DEP-001", "payments", 2)
	}
	ev := f.events()
	require.Len(t, ev, 1, "four whole buckets at the rate")
	assert.Equal(t, int64(26), ev[0].Failures)
}

func TestRatioNeedsVolumeAndFraction(t *testing.T) {
	f := newFixture(t, heal.Config{})
	require.NoError(t, f.h.On("SVC-DEP-*", heal.Ratio(0.05, time.Minute, 50), nil))
	ok := f.h.Code("SVC-DEP-001").Target("payments")

	f.report("SVC-DEP-001", "payments", 10)
	assert.Empty(t, f.events(), "100% failed but only 10 calls")

	for range 190 {
		ok.Success()
	}
	assert.Empty(t, f.events(), "successes never fire a rule")
	f.report("SVC-DEP-001", "payments", 1)
	ev := f.events()
	require.Len(t, ev, 1, "11 of 201 is 5.47%, above 5%: the failure crosses")
	assert.Equal(t, int64(11), ev[0].Failures)
	assert.Equal(t, int64(190), ev[0].Successes)
}

func TestRatioTable(t *testing.T) {
	cases := []struct {
		name          string
		fail, succ    int
		failuresFirst bool // else the successes are reported first
		wantFire      bool
		wantSucc      int64 // successes counted when the rule fired
	}{
		{name: "below volume", fail: 10},
		{name: "at 5% exactly", fail: 5, succ: 95},
		{name: "just above", fail: 6, succ: 94, wantFire: true, wantSucc: 94},
		{name: "well above", fail: 50, wantFire: true},
		{name: "below fraction", fail: 2, succ: 198},
		// The rule is checked when a failure is reported, never on a success.
		{name: "just above, failures first", fail: 6, succ: 94, failuresFirst: true},
		{name: "well above, failures first", fail: 60, succ: 40, failuresFirst: true,
			wantFire: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, heal.Config{})
			require.NoError(t, f.h.On("SVC-DEP-001", heal.Ratio(0.05, time.Minute, 50), nil))
			succeed := func() {
				for range tc.succ {
					f.h.Success("SVC-DEP-001", "payments")
				}
			}
			if !tc.failuresFirst {
				succeed()
			}
			f.report("SVC-DEP-001", "payments", tc.fail)
			if tc.failuresFirst {
				succeed()
			}
			ev := f.events()
			if !tc.wantFire {
				assert.Empty(t, ev)
				return
			}
			require.Len(t, ev, 1)
			assert.Equal(t, tc.wantSucc, ev[0].Successes)
		})
	}
}

func TestMostSpecificPatternWins(t *testing.T) {
	f := newFixture(t, heal.Config{})
	require.NoError(t, f.h.On("SVC-*", heal.AtLeast(1, time.Minute), nil, heal.Name("domain")))
	require.NoError(t, f.h.On("SVC-DEP-*", heal.AtLeast(2, time.Minute), nil,
		heal.Name("category")))
	require.NoError(t, f.h.On("SVC-DEP-002", heal.AtLeast(3, time.Minute), nil, heal.Name("exact")))

	f.report("SVC-DEP-001", "a", 2)
	f.report("SVC-DEP-002", "a", 2)
	ev := f.events()
	require.Len(t, ev, 1)
	assert.Equal(t, "category", ev[0].Policy)
	f.report("SVC-DEP-002", "a", 1)
	ev = f.events()
	require.Len(t, ev, 2)
	assert.Equal(t, "exact", ev[1].Policy)
}

func TestOnRejectsBadPolicies(t *testing.T) {
	f := newFixture(t, heal.Config{})
	cases := []struct {
		pattern string
		rule    heal.Rule
		want    string
	}{
		{"db-*", heal.AtLeast(1, time.Minute), "pattern"},
		{"DB-CONN-999", heal.AtLeast(1, time.Minute), "not defined"},
		{"DB-CONN-000", heal.AtLeast(1, time.Minute), "bind its replacement DB-CONN-001"},
		{"DB-*", heal.Rule{}, "zero Rule"},
		{"DB-*", heal.AtLeast(0, time.Minute), "at least 1"},
		{"DB-*", heal.AtLeast(1, time.Millisecond), "shorter than the resolution"},
		{"DB-*", heal.Ratio(1.5, time.Minute, 10), "between 0 and 1"},
		{"DB-*", heal.Sustained(-1, time.Minute), "positive"},
	}
	for _, tc := range cases {
		t.Run(tc.pattern+" "+tc.rule.String(), func(t *testing.T) {
			err := f.h.On(tc.pattern, tc.rule, nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Regexp(t, "^heal: ", err.Error())
		})
	}
	assert.Panics(t, func() { f.h.MustOn("nope", heal.AtLeast(1, time.Minute), nil) })
}

func TestReportClassifies(t *testing.T) {
	f := newFixture(t, heal.Config{})
	cases := []struct {
		name       string
		err        error
		wantCode   heal.Code
		wantTarget string
	}{
		{"wrapped", fmt.Errorf("charge: %w", f.tax.Wrap("SVC-DEP-001", "payments", io.EOF)),
			"SVC-DEP-001", "payments"},
		{"joined", errors.Join(io.EOF, f.tax.Wrap("SVC-DEP-002", "ledger", io.EOF)),
			"SVC-DEP-002", "ledger"},
		{"deprecated counts under replacement", f.tax.Wrap("DB-CONN-000", "primary", io.EOF),
			"DB-CONN-001", "primary"},
		{"plain error", io.ErrUnexpectedEOF, heal.CodeUnclassified, ""},
		{"unknown code", &heal.Error{Code: "ZZ-TOP-001", Target: "x"}, heal.CodeUnclassified, "x"},
		{"custom As", asErr{}, "SVC-DEP-001", "as"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := countOf(f.h, tc.wantCode, tc.wantTarget)
			f.h.Report(tc.err)
			assert.Equal(t, before+1, countOf(f.h, tc.wantCode, tc.wantTarget))
		})
	}
	t.Run("nil is ignored", func(t *testing.T) {
		before := counts(f.h)
		f.h.Report(nil)
		assert.Equal(t, before, counts(f.h))
	})
}

// asErr hides an *Error behind an As method, as some wrapping libraries do.
type asErr struct{}

func (asErr) Error() string { return "as" }
func (asErr) As(target any) bool {
	if p, ok := target.(**heal.Error); ok {
		*p = &heal.Error{Code: "SVC-DEP-001", Target: "as"}
		return true
	}
	return false
}

// counts returns every count h keeps, by code and target.
func counts(h *heal.Healer) map[string]heal.Count {
	out := map[string]heal.Count{}
	h.Counts(func(c heal.Count) { out[string(c.Code)+" "+c.Target] = c })
	return out
}

func countOf(h *heal.Healer, c heal.Code, target string) int64 {
	var n int64
	h.Counts(func(ct heal.Count) {
		if ct.Code == c && ct.Target == target {
			n += ct.Failures
		}
	})
	return n
}

func TestTargetsAreBounded(t *testing.T) {
	f := newFixture(t, heal.Config{MaxTargets: 2})
	for i := range 10 {
		f.report("DB-CONN-001", fmt.Sprint("t", i), 1)
	}
	got := map[string]int64{}
	f.h.Counts(func(c heal.Count) {
		if c.Code == "DB-CONN-001" {
			got[c.Target] = c.Failures
			assert.Equal(t, heal.SeverityCritical, c.Severity)
		}
	})
	assert.Equal(t, map[string]int64{"t0": 1, "t1": 1, heal.OverflowTarget: 8}, got)
}

func TestHandle(t *testing.T) {
	f := newFixture(t, heal.Config{})
	require.NoError(t, f.h.On("DB-CONN-001", heal.AtLeast(2, time.Minute), nil))
	hd := f.h.Code("DB-CONN-001").Target("primary")
	assert.Equal(t, heal.Code("DB-CONN-001"), hd.Code())
	hd.Report()
	f.h.ReportCode(hd)
	require.Len(t, f.events(), 1)
	assert.Equal(t, heal.Code("DB-CONN-001"), f.h.Code("DB-CONN-000").Code(), "deprecated resolves")
	assert.Equal(t, heal.CodeUnclassified, f.h.Code("XX-YY-001").Code())

	var zero heal.Handle
	zero.Report()
	zero.Success()
	assert.Equal(t, zero, zero.Target("x"))
}

func TestStormLogsFirstAndSummary(t *testing.T) {
	f := newFixture(t, heal.Config{})
	f.report("DB-CONN-001", "primary", 4123)
	f.events()
	assert.Contains(t, f.log.String(), "heal: DB-CONN-001 reported")
	assert.Contains(t, f.log.String(), "target=primary")
	assert.Equal(t, 1, bytes.Count(f.log.Bytes(), []byte("\n")), "one line for 4123 reports")

	f.clk.Advance(10 * time.Second)
	f.events()
	assert.Contains(t, f.log.String(), "DB-CONN-001 x4123 in the last 10s")
	assert.Contains(t, f.log.String(), "level=WARN")

	f.report("DB-CONN-001", "primary", 1)
	f.clk.Advance(10 * time.Second)
	f.events()
	assert.Equal(t, 3, bytes.Count(f.log.Bytes(), []byte("\n")), "a single report gets no summary")
}

func TestStormLevelAndOff(t *testing.T) {
	var buf bytes.Buffer
	opts := &slog.HandlerOptions{Level: slog.LevelDebug}
	logger := slog.New(slog.NewTextHandler(&syncWriter{w: &buf}, opts))
	f := newFixture(t, heal.Config{Logger: logger, StormLevel: slog.LevelDebug})
	f.report("DB-CONN-001", "", 1)
	f.events()
	assert.Contains(t, buf.String(), "level=DEBUG")

	buf.Reset()
	g := newFixture(t, heal.Config{Logger: logger, StormInterval: -1})
	g.report("DB-CONN-001", "", 5)
	g.events()
	assert.NotContains(t, buf.String(), "DB-CONN-001")
}

func TestDetectionTriggersTheSupervisor(t *testing.T) {
	f := newFixture(t, heal.Config{})
	rec := healtest.NewRecorder(f.clk)
	require.NoError(t, f.h.On("DB-*", heal.AtLeast(2, time.Minute), rec.Action("recycle"),
		heal.Cooldown(time.Minute), heal.Timeout(time.Second), heal.VerifyWindow(30*time.Second)))

	f.report("DB-CONN-000", "primary", 2) // deprecated: counts under DB-CONN-001
	require.NoError(t, rec.WaitFor(context.Background(), "recycle", "primary", 1))
	tr := rec.Calls()[0].Trigger
	assert.Equal(t, "DB-CONN-001", tr.Code)
	assert.Equal(t, "primary", tr.Target)
	assert.Equal(t, supervisor.SourceDetection, tr.Source)
	assert.Equal(t, "system", tr.Actor)
	assert.Equal(t, "DB-*/recycle", tr.Policy)
	assert.Equal(t, "https://runbooks.example.com/DB-CONN-001", tr.Runbook)
	assert.Equal(t, "critical", tr.Severity)
	assert.Equal(t, time.Minute, tr.Cooldown)
	assert.Equal(t, time.Second, tr.Timeout)
	assert.Equal(t, 30*time.Second, tr.VerifyWindow)
	assert.Equal(t, "2", tr.Attrs["failures"])
	assert.Equal(t, "1m0s", tr.Attrs["window"])
	require.NotNil(t, tr.Verify)
	assert.False(t, tr.Verify(), "still above the threshold")
	f.clk.Advance(time.Minute)
	assert.True(t, tr.Verify(), "the window has emptied")
	assert.NotEmpty(t, tr.ID)
}

func TestFire(t *testing.T) {
	f := newFixture(t, heal.Config{})
	rec := healtest.NewRecorder(f.clk)
	require.NoError(t, f.h.On("DB-CONN-*", heal.AtLeast(5, time.Minute), rec.Action("trip"),
		heal.DefaultTarget("primary")))
	require.NoError(t, f.h.On("SVC-*", heal.AtLeast(5, time.Minute), nil))
	ctx := context.Background()

	drill := heal.Request{Code: "DB-CONN-000", Actor: "human:alice", Reason: "drill"}
	require.NoError(t, f.h.Fire(ctx, drill))
	calls := rec.Calls() // Fire returns once the action has run
	require.Len(t, calls, 1)
	tr := calls[0].Trigger
	assert.Equal(t, "DB-CONN-001", tr.Code)
	assert.Equal(t, "DB-CONN-000", tr.ReplacedCode)
	assert.Equal(t, "primary", tr.Target)
	assert.Equal(t, supervisor.SourceManual, tr.Source)
	assert.Equal(t, "human:alice", tr.Actor)

	for _, code := range []string{"ZZ-TOP-001", "SVC-DEP-001", "DB-QUERY-001", "garbage"} {
		err := f.h.Fire(ctx, heal.Request{Code: code, Source: supervisor.SourceWebhook})
		require.ErrorIs(t, err, heal.ErrNotEligible, code)
	}
	assert.True(t, f.h.Known("DB-QUERY-001"))
	assert.False(t, f.h.Known("ZZ-TOP-001"))

	barrier(t, f.h)
	var refused int
	for _, r := range f.h.Supervisor().Recent() {
		if r.Outcome == supervisor.OutcomeRejected && r.Code != "" {
			refused++
		}
	}
	assert.Equal(t, 4, refused, "every refused request is audited")
}

func TestReject(t *testing.T) {
	f := newFixture(t, heal.Config{})
	f.h.Reject(heal.Request{Code: "DB-CONN-001", Actor: "webhook:x",
		Source: supervisor.SourceWebhook}, "bad signature")
	barrier(t, f.h)
	recs := f.h.Supervisor().Recent()
	require.NotEmpty(t, recs)
	assert.Equal(t, supervisor.OutcomeRejected, recs[0].Outcome)
	assert.Equal(t, "bad signature", recs[0].Error)
	assert.Equal(t, "webhook:x", recs[0].Actor)
}

func TestNote(t *testing.T) {
	f := newFixture(t, heal.Config{})
	f.h.Note(heal.Request{Code: "SVC-DEP-001", Target: "payments", Actor: "webhook:am",
		Source: supervisor.SourceWebhook}, "alert resolved")
	rec := findOutcome(t, f.h.Supervisor().Recent(), supervisor.OutcomeNoted)
	assert.Equal(t, "alert resolved", rec.Reason)
	assert.Equal(t, "webhook:am", rec.Actor)
	assert.Equal(t, "payments", rec.Target)
}

func findOutcome(t *testing.T, recs []supervisor.Record, o supervisor.Outcome) supervisor.Record {
	t.Helper()
	for _, r := range recs {
		if r.Outcome == o {
			return r
		}
	}
	t.Fatalf("no %s record among %d", o, len(recs))
	return supervisor.Record{}
}

// barrier waits until the supervisor has decided everything submitted
// before it: its decision loop takes triggers in order.
func barrier(t *testing.T, h *heal.Healer) {
	t.Helper()
	_, err := h.Supervisor().Do(context.Background(), supervisor.Trigger{})
	require.NoError(t, err)
}

func TestSnapshot(t *testing.T) {
	f := newFixture(t, heal.Config{})
	require.NoError(t, f.h.On("DB-CONN-001", heal.AtLeast(2, time.Minute), nil, heal.Name("db")))
	f.report("DB-CONN-001", "primary", 3)
	f.events()
	s := f.h.Snapshot()
	require.Len(t, s.Policies, 1)
	assert.Equal(t, heal.PolicyStatus{Name: "db", Pattern: "DB-CONN-001",
		Rule: "at least 2 in 1m0s", Action: "notify"}, s.Policies[0])
	require.Len(t, s.Open, 1)
	require.Len(t, s.Codes, 1)
	assert.Equal(t, int64(3), s.Codes[0].Failures)
	assert.InDelta(t, 3.0/16, s.Codes[0].Rate, 1e-9)
	assert.Equal(t, []string{"db"}, s.Codes[0].Policies)
}

type probe struct {
	err   error
	calls chan struct{}
}

func (p *probe) Name() string            { return "ping" }
func (p *probe) Interval() time.Duration { return time.Second }
func (p *probe) Check(context.Context) error {
	select {
	case p.calls <- struct{}{}:
	default:
	}
	return p.err
}

func TestProbeReports(t *testing.T) {
	f := newFixture(t, heal.Config{})
	p := &probe{err: f.tax.Wrap("DB-CONN-001", "primary", io.EOF), calls: make(chan struct{}, 1)}
	n := f.clk.Pending()
	f.h.AddProbe(p)
	f.clk.WaitForTimers(n + 1)
	for done := false; !done; {
		f.clk.Advance(time.Second)
		select {
		case <-p.calls:
			done = true
		default:
			runtime.Gosched()
		}
	}
	require.Eventually(t, func() bool { return countOf(f.h, "DB-CONN-001", "primary") >= 1 },
		5*time.Second, time.Millisecond)
}

func TestCloseIsIdempotentAndReportsAfterCloseCount(t *testing.T) {
	h, err := heal.New(heal.Config{Taxonomy: testTaxonomy(t)})
	require.NoError(t, err)
	rec := healtest.NewRecorder(nil)
	require.NoError(t, h.On(string(heal.CodeUnclassified), heal.AtLeast(1, time.Minute),
		rec.Action("recycle")))
	require.NoError(t, h.Close())
	require.NoError(t, h.Close())

	h.Report(io.EOF)
	assert.Equal(t, int64(1), countOf(h, heal.CodeUnclassified, ""), "counted")
	assert.Empty(t, rec.Calls(), "but acting on nothing")
}

// TestOldCountsDoNotReturnWhenTagsWrap leaves a target idle for about as
// many buckets as a stripe's tag can tell apart, or more: the failures
// counted before must stay out of the window afterwards, whether or not
// the new bucket's tag equals the old one's. A gap of wrap-1 is left out:
// there a report's fast path cannot tell the buckets apart, a limit the
// comment on wrapped in detect.go describes.
func TestOldCountsDoNotReturnWhenTagsWrap(t *testing.T) {
	const wrap = 1 << 24 // buckets after which a tag repeats
	for _, gap := range []int64{wrap - 2, wrap, wrap + 2, 3 * wrap} {
		t.Run(fmt.Sprint(gap), func(t *testing.T) {
			f := newFixture(t, heal.Config{})
			require.NoError(t, f.h.On("DB-CONN-001", heal.AtLeast(3, 10*time.Second), nil))
			f.report("DB-CONN-001", "primary", 2)
			f.clk.Advance(time.Duration(gap) * time.Second)

			f.report("DB-CONN-001", "primary", 1)
			assert.Empty(t, f.events(), "the first two failures left the window long ago")
			f.report("DB-CONN-001", "primary", 2)
			ev := f.events()
			require.Len(t, ev, 1, "three failures within the window")
			assert.Equal(t, int64(3), ev[0].Failures)
			assert.Equal(t, f.clk.Now(), ev[0].FirstSeen)
			assert.Equal(t, int64(5), countOf(f.h, "DB-CONN-001", "primary"))
		})
	}
}

// TestReportNamingOverflowTarget reports on a target named OverflowTarget
// while the code still has room, then on more targets than it has room
// for: there must be one OverflowTarget, holding all of them.
func TestReportNamingOverflowTarget(t *testing.T) {
	f := newFixture(t, heal.Config{MaxTargets: 2})
	f.report("DB-CONN-001", heal.OverflowTarget, 1)
	for _, name := range []string{"a", "b", "c", "d"} {
		f.report("DB-CONN-001", name, 1)
	}
	f.h.Code("DB-CONN-001").Target(heal.OverflowTarget).Report()
	var got []heal.Count
	f.h.Counts(func(c heal.Count) {
		if c.Code == "DB-CONN-001" {
			got = append(got, c)
		}
	})
	slices.SortFunc(got, func(a, b heal.Count) int { return strings.Compare(a.Target, b.Target) })
	want := []heal.Count{
		{Code: "DB-CONN-001", Severity: heal.SeverityCritical, Target: heal.OverflowTarget,
			Failures: 4},
		{Code: "DB-CONN-001", Severity: heal.SeverityCritical, Target: "a", Failures: 1},
		{Code: "DB-CONN-001", Severity: heal.SeverityCritical, Target: "b", Failures: 1},
	}
	assert.Equal(t, want, got)
}
