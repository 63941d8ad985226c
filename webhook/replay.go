package webhook

import (
	"container/heap"
	"sync"
	"time"
)

// claimResult says what the replay cache made of a message id.
type claimResult int

const (
	claimed  claimResult = iota // first sighting: go ahead
	replayed                    // seen before and still remembered
	full                        // no room to remember it: refuse
)

// BUG(selfheal): Message ids are remembered by each Receiver in its own
// memory. A service running as several replicas behind one address
// therefore accepts a signed trigger replayed to a different replica
// within Config.Tolerance; each replica's guardrails still apply, but the
// replay is not refused. Closing the gap needs the ids in a store the
// replicas share, claimed atomically.

// replayCache remembers the ids of verified messages until their timestamp
// leaves the tolerance window; after that the timestamp check alone
// refuses a replay, so the id can be forgotten. Memory is bounded by max
// entries. When full of unexpired ids it refuses new ones rather than
// forgetting old ones early: evicting would reopen the replay window,
// and only holders of a valid secret can fill it.
//
// A replayCache is safe for concurrent use.
type replayCache struct {
	mu   sync.Mutex
	max  int
	seen map[string]time.Time // id -> instant after which it may be forgotten
	exp  expiryHeap           // the same entries ordered by expiry
}

func newReplayCache(max int) *replayCache {
	return &replayCache{max: max, seen: make(map[string]time.Time)}
}

// claim records id as seen until expiry, unless it is already remembered
// or there is no room. Entries that expired before now are dropped first.
func (c *replayCache) claim(id string, expiry, now time.Time) claimResult {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.purge(now)
	if _, ok := c.seen[id]; ok {
		return replayed
	}
	// The heap, not the map, is measured: released ids keep their heap
	// slot until they expire, and the heap is what holds memory.
	if c.exp.Len() >= c.max {
		return full
	}
	c.seen[id] = expiry
	heap.Push(&c.exp, expiryEntry{id: id, at: expiry})
	return claimed
}

// release forgets id, so that a sender may retry a message the receiver
// could not process (the supervisor was unavailable) with the same id.
func (c *replayCache) release(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.seen, id)
}

// len returns how many ids are remembered.
func (c *replayCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.seen)
}

// purge drops entries whose expiry is before now. The caller holds c.mu.
func (c *replayCache) purge(now time.Time) {
	for c.exp.Len() > 0 && c.exp[0].at.Before(now) {
		e := heap.Pop(&c.exp).(expiryEntry)
		// A released and re-claimed id has a newer entry; keep that one.
		if at, ok := c.seen[e.id]; ok && at.Equal(e.at) {
			delete(c.seen, e.id)
		}
	}
}

type expiryEntry struct {
	id string
	at time.Time
}

// expiryHeap is a min-heap of entries by expiry, for container/heap.
type expiryHeap []expiryEntry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(expiryEntry)) }

func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}
