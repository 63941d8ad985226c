package heal

// Flush makes h's loop sweep for resolutions, dispatch queued incidents and
// write due log lines, and returns once it has, so that tests on a fake
// clock need not wait for the loop's timer.
func Flush(h *Healer) { h.flush() }

// NewUnstarted returns a Healer that counts and detects but starts no
// goroutine and no supervisor: incidents queue up undispatched. It lets a
// test measure what a report costs the reporter alone, with no loop
// waking on the clock's timers.
func NewUnstarted(cfg Config) (*Healer, error) { return newHealer(cfg) }
