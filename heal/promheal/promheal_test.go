package promheal_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/selfheal/selfheal/heal"
	"github.com/selfheal/selfheal/heal/promheal"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fixed is a heal.Counter with fixed totals.
type fixed []heal.Count

func (f fixed) Counts(yield func(heal.Count)) {
	for _, c := range f {
		yield(c)
	}
}

func TestCollector(t *testing.T) {
	src := fixed{
		{Code: "DB-CONN-001", Severity: heal.SeverityCritical, Target: "primary", Failures: 3},
		{Code: "SVC-DEP-001", Severity: heal.SeverityHigh, Target: "payments",
			Failures: 1, Successes: 9},
		{Code: heal.CodeUnclassified, Target: "", Successes: 0, Failures: 0},
	}
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(promheal.NewCollector(src)))
	require.Equal(t, []string{
		`code="DB-CONN-001",outcome="failure",severity="critical",target="primary" 3`,
		`code="SVC-DEP-001",outcome="failure",severity="high",target="payments" 1`,
		`code="SVC-DEP-001",outcome="success",severity="high",target="payments" 9`,
	}, gather(t, reg))
}

func TestCollectorOverHealer(t *testing.T) {
	h, err := heal.New(heal.Config{})
	require.NoError(t, err)
	defer h.Close()
	h.Report(heal.DefaultTaxonomy().Wrap("DB-CONN-001", "primary", errTest))
	h.Report(heal.DefaultTaxonomy().Wrap("DB-CONN-001", "primary", errTest))
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(promheal.NewCollector(h)))
	require.Equal(t, []string{
		`code="DB-CONN-001",outcome="failure",severity="critical",target="primary" 2`,
	}, gather(t, reg))
}

// TestCollectorOverflowTargetIsOneSeries reports on a target named
// heal.OverflowTarget while the code has room for more targets, then on
// more targets than it has room for: the registry must still gather, so
// the overflow target is one series.
func TestCollectorOverflowTargetIsOneSeries(t *testing.T) {
	h, err := heal.New(heal.Config{MaxTargets: 1})
	require.NoError(t, err)
	defer h.Close()
	for _, target := range []string{heal.OverflowTarget, "primary", "replica"} {
		h.Report(heal.DefaultTaxonomy().Wrap("DB-CONN-001", target, errTest))
	}
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(promheal.NewCollector(h)))
	require.Equal(t, []string{
		`code="DB-CONN-001",outcome="failure",severity="critical",target="(other)" 2`,
		`code="DB-CONN-001",outcome="failure",severity="critical",target="primary" 1`,
	}, gather(t, reg))
}

type testErr struct{}

func (testErr) Error() string { return "boom" }

var errTest = testErr{}

// gather returns each selfheal_reports_total series as its labels and
// value, sorted.
func gather(t *testing.T, reg *prometheus.Registry) []string {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	var out []string
	for _, mf := range mfs {
		require.Equal(t, "selfheal_reports_total", mf.GetName())
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			out = append(out, strings.Join(labels, ",")+" "+fmt.Sprint(m.GetCounter().GetValue()))
		}
	}
	sort.Strings(out)
	return out
}
