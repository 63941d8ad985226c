package main

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// result is one request of the load generator.
type result struct {
	path       string
	start, end time.Time
	ok         bool
}

// load sends requests to the service as fast as a small client would, and
// remembers the outcomes so the scenario can tell when the service is
// healthy again.
type load struct {
	a *app

	mu      sync.Mutex
	results []result
	changed chan struct{}
}

func newLoad(a *app) *load { return &load{a: a, changed: make(chan struct{})} }

// run sends a request to each path every interval until ctx is done.
func (l *load) run(ctx context.Context, interval time.Duration, paths ...string) {
	var wg sync.WaitGroup
	for _, p := range paths {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tick := time.NewTicker(interval)
			defer tick.Stop()
			for {
				l.once(ctx, p)
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
			}
		}()
	}
	wg.Wait()
}

func (l *load) once(ctx context.Context, path string) {
	method := http.MethodGet
	if path == "/checkout" {
		method = http.MethodPost
	}
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, method, l.a.url+path, nil)
	if err != nil {
		return
	}
	res, err := l.a.client.Do(req)
	ok := err == nil && res.StatusCode < 300
	if err == nil {
		res.Body.Close()
	}
	if ctx.Err() != nil {
		return
	}
	l.mu.Lock()
	l.results = append(l.results, result{path: path, start: start, end: time.Now(), ok: ok})
	close(l.changed)
	l.changed = make(chan struct{})
	l.mu.Unlock()
}

// first returns when the first request to path that started after t
// ended as wanted (ok or failed), waiting up to d for one.
func (l *load) first(path string, ok bool, t time.Time, d time.Duration) (time.Time, bool) {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		l.mu.Lock()
		ch := l.changed
		for _, r := range l.results {
			if r.path == path && r.ok == ok && r.start.After(t) {
				l.mu.Unlock()
				return r.end, true
			}
		}
		l.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			return time.Time{}, false
		}
	}
}

// counts returns how many requests to path succeeded and failed in all.
func (l *load) counts(path string) (ok, failed int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range l.results {
		if r.path != path {
			continue
		}
		if r.ok {
			ok++
		} else {
			failed++
		}
	}
	return ok, failed
}
