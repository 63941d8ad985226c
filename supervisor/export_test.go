package supervisor

// WithTestHooks returns cfg with hooks that let this package's tests hold
// the decision loop (beforeTurn runs at the start of every turn, with the
// turn already marked busy) and watch the watchdog (afterTick runs after
// every tick, with the next tick already armed).
func WithTestHooks(cfg Config, beforeTurn func(), afterTick func(h Health, pinged bool)) Config {
	cfg.hooks = &hooks{beforeTurn: beforeTurn, afterTick: afterTick}
	return cfg
}
