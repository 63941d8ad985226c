package statuspage

import "time"

// SetUndoWait changes how long p's breaker resets and flag revives wait
// for the supervisor, so that a test can see the wait run out without
// spending the default 30 seconds.
func SetUndoWait(p *Page, d time.Duration) { p.undoWait = d }
