package heal

import (
	"errors"
	"log/slog"
	"sort"
	"strings"
)

// Limits on the metadata an [Error] carries. Metadata may hold values from
// requests, so it is bounded before it reaches logs or audit records.
const (
	MaxMetadataKeys     = 16
	MaxMetadataValueLen = 256
)

// Error is a failure classified by a taxonomy code. Services return it (or
// wrap it) where they detect a failure; [Healer.Report] counts it, and its
// LogValue makes a structured log line.
//
// Make one from a taxonomy with [Taxonomy.New] or [Taxonomy.Wrap], so that
// Severity and Retryable come from the code's definition and cannot drift
// from it. An Error must not be modified once it has been returned.
type Error struct {
	Code      Code
	Message   string
	Severity  Severity
	Retryable bool
	// Target names what the failure concerns: a dependency, flag or pool.
	Target string
	// Metadata is extra context for operators. Values whose keys look
	// secret are redacted in logs.
	Metadata map[string]string
	// Cause is the underlying error, if any.
	Cause error

	// tax and pos remember where the code is defined when the error was
	// made by a Taxonomy, so that Report finds the code's counters by
	// position instead of by its text.
	tax *Taxonomy
	pos int32
}

// New returns an error for code c concerning target, with severity and
// retryability taken from the code's definition. A code the taxonomy does
// not define still makes an error, with unknown severity; detection counts
// it as unclassified.
func (t *Taxonomy) New(c Code, target, message string) *Error {
	e := &Error{Code: c, Message: message, Target: target}
	if t == nil {
		return e
	}
	if i, ok := t.index[c]; ok {
		d := &t.list[i]
		// The taxonomy's own copy of the code: Report recognises it by its
		// address, so a Code changed after New falls back to a lookup.
		e.Code = d.Code
		e.Severity, e.Retryable, e.tax, e.pos = d.Severity, d.Retryable, t, i
		if e.Message == "" {
			e.Message = d.Title
		}
	}
	return e
}

// Wrap returns cause classified under code c concerning target, or nil when
// cause is nil, so that it can wrap a result unconditionally:
//
//	err = tax.Wrap("SVC-DEP-001", "payments", err)
func (t *Taxonomy) Wrap(c Code, target string, cause error) error {
	if cause == nil {
		return nil
	}
	e := t.New(c, target, "")
	e.Cause = cause
	return e
}

// With returns a copy of e with the metadata key set to value. Keys beyond
// [MaxMetadataKeys] are dropped and values are cut at
// [MaxMetadataValueLen] bytes.
func (e *Error) With(key, value string) *Error {
	c := *e
	c.Metadata = make(map[string]string, len(e.Metadata)+1)
	for k, v := range e.Metadata {
		c.Metadata[k] = v
	}
	if _, exists := c.Metadata[key]; !exists && len(c.Metadata) >= MaxMetadataKeys {
		return &c
	}
	if len(value) > MaxMetadataValueLen {
		value = value[:MaxMetadataValueLen]
	}
	c.Metadata[key] = value
	return &c
}

// Error returns "CODE target: message: cause", leaving out empty parts.
// It is for logs and operators, never for external clients; see
// [WriteProblem] for those.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(string(e.Code))
	if e.Target != "" {
		b.WriteString(" ")
		b.WriteString(e.Target)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Cause != nil {
		b.WriteString(": ")
		b.WriteString(e.Cause.Error())
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Cause }

// Is reports whether target is an *Error with the same code, so that
// errors.Is(err, &heal.Error{Code: "DB-CONN-001"}) matches by code
// whatever the message, target or cause.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t != nil && t.Code == e.Code
}

// LogValue renders the error as a group of attributes: code, severity,
// retryable, target, message, metadata (secrets redacted) and cause.
func (e *Error) LogValue() slog.Value {
	attrs := make([]slog.Attr, 0, 7)
	attrs = append(attrs,
		slog.String("code", string(e.Code)),
		slog.String("severity", e.Severity.String()),
		slog.Bool("retryable", e.Retryable))
	if e.Target != "" {
		attrs = append(attrs, slog.String("target", e.Target))
	}
	if e.Message != "" {
		attrs = append(attrs, slog.String("message", e.Message))
	}
	if len(e.Metadata) > 0 {
		attrs = append(attrs, slog.Attr{Key: "metadata", Value: metadataValue(e.Metadata)})
	}
	if e.Cause != nil {
		attrs = append(attrs, slog.String("cause", e.Cause.Error()))
	}
	return slog.GroupValue(attrs...)
}

func metadataValue(md map[string]string) slog.Value {
	keys := make([]string, 0, len(md))
	for k := range md {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	attrs := make([]slog.Attr, len(keys))
	for i, k := range keys {
		v := md[k]
		if looksSecret(k) {
			v = "[REDACTED]"
		}
		attrs[i] = slog.String(k, v)
	}
	return slog.GroupValue(attrs...)
}

// secretWords are key fragments that mark a metadata value as a credential.
var secretWords = []string{
	"password", "passwd", "token", "secret", "key", "authorization", "credential", "cookie",
}

func looksSecret(key string) bool {
	k := strings.ToLower(key)
	for _, w := range secretWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// AsError returns the first *Error in err's chain.
func AsError(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) && e != nil {
		return e, true
	}
	return nil, false
}

// HasCode reports whether err's chain holds an *Error with code c.
func HasCode(err error, c Code) bool {
	return errors.Is(err, &Error{Code: c})
}
