// Command quickstart shows the first steps with selfheal: load the default
// taxonomy, classify failures with codes, log them as structured records,
// and answer a client with a sanitized problem response.
package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/selfheal/selfheal/heal"
)

func main() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, nil))
	tax := heal.DefaultTaxonomy()
	fmt.Printf("taxonomy: %d codes\n", tax.Len())

	// A dependency call fails; the service classifies the failure.
	cause := errors.New("dial tcp 10.0.0.7:443: connection refused")
	err := tax.Wrap("SVC-DEP-001", "payments", cause)
	logger.Warn("charge failed", "err", err)

	// Secrets in metadata never reach the log.
	authErr := tax.New("AUTH-TOKEN-001", "idp", "token rejected").With("token", "eyJhbGciOi...")
	logger.Warn("login failed", "err", authErr)

	// Code matches work through wrapping.
	wrapped := fmt.Errorf("checkout: %w", err)
	fmt.Println("is SVC-DEP-001:", heal.HasCode(wrapped, "SVC-DEP-001"))
	fmt.Println("matches SVC-DEP-*:", matches("SVC-DEP-*", wrapped))

	// The client sees a generic problem with an incident id, never the code.
	rec := httptest.NewRecorder()
	pw := heal.ProblemWriter{Logger: logger}
	pw.Write(rec, httptest.NewRequest(http.MethodPost, "/checkout", nil), wrapped)
	fmt.Printf("client got %d %s\n%s",
		rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
}

func matches(pattern string, err error) bool {
	e, ok := heal.AsError(err)
	return ok && heal.MustParsePattern(pattern).Match(e.Code)
}
