package heal_test

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/selfheal/selfheal/heal"
)

func ExampleParseCode() {
	c, err := heal.ParseCode("DB-CONN-001")
	fmt.Println(c.Domain(), c.Category(), err)

	_, err = heal.ParseCode("DB-conn-001")
	fmt.Println(err)
	// Output:
	// DB CONN <nil>
	// heal: code "DB-conn-001": category "conn" must be upper-case
}

func ExampleParsePattern() {
	p := heal.MustParsePattern("SVC-DEP-*")
	fmt.Println(p.Match("SVC-DEP-001"), p.Match("SVC-AUTH-001"))
	// Output: true false
}

func ExampleLoadTaxonomy() {
	path := filepath.Join(os.TempDir(), "selfheal-ex.yaml")
	defer os.Remove(path)
	_ = os.WriteFile(path, []byte(`codes:
  - code: DB-CONN-001
    title: Database connection pool exhausted
    owner: team-data
    severity: critical
    retryable: true
    runbook: https://runbooks.example.com/db-conn-001
    response: Recycle the pool; page the owner if it recurs within an hour.
  - code: DB-QUERY-002
    title: Query timeout exceeded threshold
    owner: team-data
    severity: urgent
    runbook: https://runbooks.example.com/db-query-002
    respone: Check slow plans.
`), 0o600)

	_, err := heal.LoadTaxonomy(path)
	fmt.Println(err)
	// Output:
	// heal: invalid taxonomy: 3 problem(s)
	// 	selfheal-ex.yaml:9: DB-QUERY-002: response is required
	// 	selfheal-ex.yaml:12: DB-QUERY-002: severity "urgent": want low, medium, high or critical
	// 	selfheal-ex.yaml:14: DB-QUERY-002: unknown field "respone"
}

func ExampleTaxonomy_Wrap() {
	tax := heal.DefaultTaxonomy()
	refused := errors.New("connection refused")
	err := fmt.Errorf("charge: %w", tax.Wrap("SVC-DEP-001", "payments", refused))

	fmt.Println(errors.Is(err, &heal.Error{Code: "SVC-DEP-001"}))
	if e, ok := heal.AsError(err); ok {
		fmt.Println(e.Code, e.Target, e.Severity, e.Retryable)
	}
	fmt.Println(err)
	// Output:
	// true
	// SVC-DEP-001 payments high true
	// charge: SVC-DEP-001 payments: Upstream dependency unreachable: connection refused
}

func ExampleProblemWriter() {
	tax := heal.DefaultTaxonomy()
	pw := heal.ProblemWriter{Logger: slog.New(slog.DiscardHandler)}

	rec := httptest.NewRecorder()
	pw.Write(rec, httptest.NewRequest(http.MethodPost, "/checkout", nil),
		tax.Wrap("SVC-DEP-001", "payments", errors.New("dial tcp 10.0.0.7:443: refused")))

	fmt.Println(rec.Code, rec.Header().Get("Content-Type"), rec.Header().Get("Retry-After"))
	// The body holds a generic title and an opaque incident id, never the
	// code, target or cause.
	// Output: 503 application/problem+json 5
}
