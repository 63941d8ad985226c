package heal_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/selfheal/selfheal/heal"
)

func TestWriteProblemLeaksNothing(t *testing.T) {
	tax := heal.DefaultTaxonomy()
	secretCause := errors.New("dial tcp 10.1.2.3:5432: connection refused")
	tests := []struct {
		name       string
		err        error
		pw         heal.ProblemWriter
		wantStatus int
		retryAfter string
	}{
		{"retryable dependency", tax.Wrap("SVC-DEP-001", "payments", secretCause),
			heal.ProblemWriter{}, 503, "5"},
		{"not retryable",
			tax.New("AUTH-TOKEN-001", "idp", "kid xyz unknown").With("token", "t0k3n"),
			heal.ProblemWriter{}, 500, ""},
		{"plain error", secretCause, heal.ProblemWriter{}, 500, ""},
		{"service mapping", tax.Wrap("DB-QUERY-001", "orders-db", secretCause),
			heal.ProblemWriter{Status: func(error) int { return http.StatusBadGateway }}, 502, ""},
		{"bogus mapping falls back", secretCause,
			heal.ProblemWriter{Status: func(error) int { return 200 }}, 500, ""},
		{"retry after rounds up", tax.Wrap("DB-CONN-001", "orders-db", secretCause),
			heal.ProblemWriter{RetryAfter: 1500 * time.Millisecond}, 503, "2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			tt.pw.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
			rec := httptest.NewRecorder()
			id := tt.pw.Write(rec, httptest.NewRequest(http.MethodGet, "/checkout", nil), tt.err)

			res := rec.Result()
			assert.Equal(t, tt.wantStatus, res.StatusCode)
			assert.Equal(t, "application/problem+json", res.Header.Get("Content-Type"))
			assert.Equal(t, tt.retryAfter, res.Header.Get("Retry-After"))
			body := rec.Body.String()

			var doc map[string]any
			require.NoError(t, json.Unmarshal([]byte(body), &doc))
			assert.Equal(t, http.StatusText(tt.wantStatus), doc["title"])
			assert.Equal(t, float64(tt.wantStatus), doc["status"])
			assert.Equal(t, "urn:selfheal:incident:"+id, doc["instance"])
			assert.Len(t, doc, 4, "only type, title, status and instance")

			leaks := []string{"10.1.2.3", "connection refused", "payments", "idp", "kid xyz",
				"t0k3n", "orders-db"}
			for _, c := range tax.Definitions() {
				leaks = append(leaks, string(c.Code), c.Title, c.Code.Domain())
			}
			for _, s := range leaks {
				assert.NotContains(t, body, s)
				for k, v := range res.Header {
					assert.NotContains(t, strings.Join(v, " "), s, "header %s", k)
				}
			}
			// Operators find the incident in the log.
			assert.Contains(t, logs.String(), `"incident":"`+id+`"`)
			assert.NotContains(t, logs.String(), "t0k3n", "secrets stay redacted in the log")
		})
	}
}

func TestWriteProblemIncidentIDsAreUnique(t *testing.T) {
	pw := heal.ProblemWriter{Logger: slog.New(slog.DiscardHandler)}
	seen := map[string]bool{}
	for range 100 {
		id := pw.Write(httptest.NewRecorder(), nil, errors.New("x"))
		assert.Len(t, id, 16)
		assert.False(t, seen[id])
		seen[id] = true
	}
}
