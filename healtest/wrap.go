package healtest

import (
	"context"
	"net/http"

	"github.com/selfheal/selfheal/heal"
)

// Func wraps a dependency call so that it returns the failpoint's injected
// error, without calling fn, whenever the fault applies.
func (fp *Failpoint) Func(fn func(ctx context.Context) error) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		if err := fp.Err(); err != nil {
			return err
		}
		return fn(ctx)
	}
}

// Handler wraps an HTTP handler so that requests fail with the failpoint's
// injected error, reported to r (when not nil) and written to the client
// as a sanitized problem response.
func (fp *Failpoint) Handler(next http.Handler, r heal.Reporter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if err := fp.Err(); err != nil {
			if r != nil {
				r.Report(err)
			}
			heal.WriteProblem(w, req, err)
			return
		}
		next.ServeHTTP(w, req)
	})
}
