package heal

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"time"
)

// ProblemWriter writes failures to HTTP clients as RFC 9457
// application/problem+json documents that reveal nothing internal: a generic
// title, the status, and an opaque incident id. The code, message, metadata
// and cause go to the log under that id, where operators can find them.
//
// The zero value is ready to use and is safe for concurrent use.
type ProblemWriter struct {
	// Logger receives one record per problem written, carrying the incident
	// id and the full error. Nil means slog.Default().
	Logger *slog.Logger
	// Status chooses the HTTP status for err. Nil means [DefaultStatus].
	Status func(err error) int
	// RetryAfter is the Retry-After sent with a 503. Zero means 5 seconds.
	RetryAfter time.Duration
}

// problemDoc is the RFC 9457 body. Only generic fields appear here: every
// value is derived from the status, never from the error.
type problemDoc struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Instance string `json:"instance"`
}

// DefaultStatus maps an error to a status: 503 for a retryable *Error (the
// client may try again later), 500 for anything else.
func DefaultStatus(err error) int {
	if e, ok := AsError(err); ok && e.Retryable {
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// WriteProblem writes err as a sanitized problem response using a zero
// [ProblemWriter], and returns the incident id it logged.
func WriteProblem(w http.ResponseWriter, r *http.Request, err error) string {
	var pw ProblemWriter
	return pw.Write(w, r, err)
}

// Write writes err as a sanitized problem response and logs it under a new
// incident id, which it returns.
func (pw *ProblemWriter) Write(w http.ResponseWriter, r *http.Request, err error) string {
	status := pw.status(err)
	id := newIncidentID()
	pw.log(r, status, id, err)

	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if status == http.StatusServiceUnavailable {
		h.Set("Retry-After", strconv.Itoa(pw.retryAfterSeconds()))
	}
	w.WriteHeader(status)
	doc := problemDoc{Type: "about:blank", Title: http.StatusText(status), Status: status,
		Instance: "urn:selfheal:incident:" + id}
	_ = json.NewEncoder(w).Encode(doc) // the client may have gone; nothing to do about it
	return id
}

func (pw *ProblemWriter) status(err error) int {
	f := pw.Status
	if f == nil {
		f = DefaultStatus
	}
	s := f(err)
	if s < 400 || s > 599 || http.StatusText(s) == "" {
		return http.StatusInternalServerError
	}
	return s
}

func (pw *ProblemWriter) retryAfterSeconds() int {
	if pw.RetryAfter <= 0 {
		return 5
	}
	return max(1, int((pw.RetryAfter+time.Second-1)/time.Second))
}

func (pw *ProblemWriter) log(r *http.Request, status int, id string, err error) {
	l := pw.Logger
	if l == nil {
		l = slog.Default()
	}
	attrs := []slog.Attr{slog.String("incident", id), slog.Int("status", status)}
	if r != nil {
		attrs = append(attrs, slog.String("method", r.Method), slog.String("path", r.URL.Path))
	}
	if e, ok := AsError(err); ok {
		attrs = append(attrs, slog.Any("error", e))
	} else if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	l.LogAttrs(requestContext(r), slog.LevelError, "heal: request failed", attrs...)
}

func newIncidentID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

func requestContext(r *http.Request) context.Context {
	if r == nil {
		return context.Background()
	}
	return r.Context()
}
