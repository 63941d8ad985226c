// Package promheal exposes a Healer's report counts as Prometheus metrics.
//
// It lives in a package of its own, under heal because it adapts nothing
// else, so that services which do not use Prometheus never import
// client_golang by importing heal. The collector pulls the running totals
// when it is scraped: reporting pays nothing for metrics.
package promheal

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/selfheal/selfheal/heal"
)

// Collector is a [prometheus.Collector] of the totals a [heal.Counter]
// (usually a *heal.Healer) keeps. It is safe for concurrent use.
type Collector struct {
	src  heal.Counter
	desc *prometheus.Desc
}

// NewCollector returns a collector of src's counts as the counter
// selfheal_reports_total with labels code, severity, target and outcome
// ("failure" or "success"). Register it with a [prometheus.Registerer].
// The number of series is bounded: targets per code are capped by
// heal.Config.MaxTargets.
func NewCollector(src heal.Counter) *Collector {
	return &Collector{src: src, desc: prometheus.NewDesc(
		"selfheal_reports_total",
		"Reports counted by selfheal, by code, severity, target and outcome.",
		[]string{"code", "severity", "target", "outcome"}, nil)}
}

// Describe implements [prometheus.Collector].
func (c *Collector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements [prometheus.Collector].
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	c.src.Counts(func(n heal.Count) {
		code, sev := string(n.Code), n.Severity.String()
		if n.Failures > 0 {
			ch <- prometheus.MustNewConstMetric(c.desc, prometheus.CounterValue,
				float64(n.Failures), code, sev, n.Target, "failure")
		}
		if n.Successes > 0 {
			ch <- prometheus.MustNewConstMetric(c.desc, prometheus.CounterValue,
				float64(n.Successes), code, sev, n.Target, "success")
		}
	})
}
