package pool

import (
	"context"
	"time"

	"github.com/selfheal/selfheal/heal"
)

// Code is the taxonomy code a [Probe] reports when its ping fails.
const Code heal.Code = "DB-CONN-001"

// DefaultProbeInterval is how often a [Probe] pings when
// [ProbeConfig.Interval] is zero.
const DefaultProbeInterval = 10 * time.Second

// ProbeConfig configures a [Probe]. The zero value is a working
// configuration.
type ProbeConfig struct {
	// Target names the pool in reported errors, and so selects it in
	// [RecycleTarget]. Empty means "db".
	Target string
	// Interval is how often the Healer runs Check. Zero means
	// [DefaultProbeInterval].
	Interval time.Duration
	// Timeout bounds each ping. Zero means the Healer's context alone
	// bounds it (it ends when the check outlives its interval).
	Timeout time.Duration
	// Taxonomy classifies the failure. Nil means [heal.DefaultTaxonomy].
	Taxonomy *heal.Taxonomy
}

// Probe is a [heal.Probe] that pings a pool and reports [Code] when the
// ping fails. Make one with [NewProbe]; the zero value is not usable. It is
// safe for concurrent use if its Pinger is.
type Probe struct {
	p   Pinger
	cfg ProbeConfig
}

var _ heal.Probe = (*Probe)(nil)

// NewProbe returns a probe that pings p, with defaults for zero fields of
// cfg.
func NewProbe(p Pinger, cfg ProbeConfig) *Probe {
	if cfg.Target == "" {
		cfg.Target = "db"
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultProbeInterval
	}
	if cfg.Taxonomy == nil {
		cfg.Taxonomy = heal.DefaultTaxonomy()
	}
	return &Probe{p: p, cfg: cfg}
}

// Name returns "pool.ping:" followed by the target.
func (p *Probe) Name() string { return "pool.ping:" + p.cfg.Target }

// Interval returns how often Check should run.
func (p *Probe) Interval() time.Duration { return p.cfg.Interval }

// Check pings the pool and returns nil, or a *heal.Error with [Code] and
// the probe's target wrapping the ping's error.
func (p *Probe) Check(ctx context.Context) error {
	if p.cfg.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.cfg.Timeout)
		defer cancel()
	}
	return p.cfg.Taxonomy.Wrap(Code, p.cfg.Target, p.p.Ping(ctx))
}
