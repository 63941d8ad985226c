package heal

// Flush makes h's loop sweep for resolutions, dispatch queued incidents and
// write due log lines, and returns once it has, so that tests on a fake
// clock need not wait for the loop's timer.
func Flush(h *Healer) { h.flush() }
