package mem

import (
	"context"
	"fmt"
	"runtime/metrics"
	"strconv"
	"time"

	"github.com/selfheal/selfheal/heal"
)

// Code is the taxonomy code a [Probe] reports.
const Code heal.Code = "MEM-HEAP-001"

// LiveHeapMetric is the runtime/metrics sample the default reader uses:
// heap bytes live at the end of the last GC. Unlike the current heap size,
// it does not swing with garbage not yet collected, so it measures what the
// program holds on to.
const LiveHeapMetric = "/gc/heap/live:bytes"

// DefaultInterval is how often a [Probe] checks when [Config.Interval] is
// zero.
const DefaultInterval = 30 * time.Second

// Config configures a [Probe]. The zero value makes a probe that never
// fails, since a sensible heap limit depends on the service.
type Config struct {
	// Limit is the heap size in bytes above which Check fails. Zero
	// disables the check.
	Limit uint64
	// Interval is how often the Healer runs Check. Zero means
	// [DefaultInterval].
	Interval time.Duration
	// Taxonomy classifies the failure. Nil means [heal.DefaultTaxonomy].
	Taxonomy *heal.Taxonomy
	// Target is the target of the reported error. Empty means "heap".
	Target string
	// Read returns the heap size in bytes. Nil means reading
	// [LiveHeapMetric] from runtime/metrics. Tests inject a reader so that
	// they need not allocate gigabytes; it is called from Check's
	// goroutine.
	Read func() uint64
}

// Probe is a [heal.Probe] that fails when the heap is above a limit. Make
// one with [NewProbe]; the zero value never fails. It is safe for
// concurrent use.
type Probe struct {
	cfg Config
}

var _ heal.Probe = (*Probe)(nil)

// NewProbe returns a probe configured by cfg, with defaults for zero
// fields.
func NewProbe(cfg Config) *Probe {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.Taxonomy == nil {
		cfg.Taxonomy = heal.DefaultTaxonomy()
	}
	if cfg.Target == "" {
		cfg.Target = "heap"
	}
	if cfg.Read == nil {
		cfg.Read = readLiveHeap
	}
	return &Probe{cfg: cfg}
}

// Name returns "mem.heap".
func (p *Probe) Name() string { return "mem.heap" }

// Interval returns how often Check should run.
func (p *Probe) Interval() time.Duration { return p.cfg.Interval }

// Check returns a *heal.Error with code [Code] when the heap is above the
// limit, carrying both sizes as metadata, and nil otherwise.
func (p *Probe) Check(context.Context) error {
	if p.cfg.Limit == 0 || p.cfg.Read == nil {
		return nil
	}
	heap := p.cfg.Read()
	if heap <= p.cfg.Limit {
		return nil
	}
	msg := fmt.Sprintf("heap %d bytes is above the limit of %d bytes", heap, p.cfg.Limit)
	return p.cfg.Taxonomy.New(Code, p.cfg.Target, msg).
		With("heap_bytes", strconv.FormatUint(heap, 10)).
		With("limit_bytes", strconv.FormatUint(p.cfg.Limit, 10))
}

// readLiveHeap reads LiveHeapMetric. A fresh sample per call keeps Check
// free of shared state; it is one small allocation per interval.
func readLiveHeap() uint64 {
	s := []metrics.Sample{{Name: LiveHeapMetric}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0 // not supported by this runtime: never report
	}
	return s[0].Value.Uint64()
}
