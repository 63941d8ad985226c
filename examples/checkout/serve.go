package main

import (
	"context"
	"fmt"
	"io"
)

// serveStatus keeps the service running under load with the status page.
func (a *app) serveStatus(ctx context.Context, addr string, out io.Writer) int {
	fmt.Fprintf(out, "-serve needs the status page, which is not built into this demo yet (%s)\n", addr)
	<-ctx.Done()
	return 0
}
