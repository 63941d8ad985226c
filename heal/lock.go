package heal

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/selfheal/selfheal/internal/atomicfile"
)

// LockVersion is the version of the lock file format written by [Lock].
const LockVersion = 1

// Lock records the meaning of every code in use, so that a change of
// meaning can be caught in review like a breaking schema change. A code's
// meaning is its title, severity and retryability; its owner and runbook may
// change freely.
//
// The zero value is an empty lock. A Lock is not safe for concurrent
// modification.
type Lock struct {
	Version int                 `json:"version"`
	Codes   map[Code]LockedCode `json:"codes"`
}

// LockedCode is the locked meaning of one code.
type LockedCode struct {
	Fingerprint string   `json:"fingerprint"`
	Title       string   `json:"title"`
	Severity    Severity `json:"severity"`
	Retryable   bool     `json:"retryable"`
	Deprecated  bool     `json:"deprecated,omitempty"`
}

// NewLock returns a lock holding the current meaning of every code in t.
func NewLock(t *Taxonomy) *Lock {
	l := &Lock{Version: LockVersion, Codes: make(map[Code]LockedCode, t.Len())}
	for _, d := range t.Definitions() {
		l.Codes[d.Code] = lockedCode(d)
	}
	return l
}

func lockedCode(d Definition) LockedCode {
	return LockedCode{
		Fingerprint: fingerprint(d),
		Title:       d.Title,
		Severity:    d.Severity,
		Retryable:   d.Retryable,
		Deprecated:  d.Deprecated,
	}
}

// fingerprint hashes the fields that make up a code's meaning, separated so
// that no two different meanings hash the same input.
func fingerprint(d Definition) string {
	h := sha256.New()
	for _, f := range []string{d.Title, d.Severity.String(), strconv.FormatBool(d.Retryable)} {
		fmt.Fprintf(h, "%d:%s;", len(f), f)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// ReadLock reads a lock file written by [Lock.WriteFile].
func ReadLock(path string) (*Lock, error) {
	data, err := readBounded(path)
	if err != nil {
		return nil, fmt.Errorf("heal: read lock: %w", err)
	}
	if len(data) > MaxTaxonomySize {
		return nil, fmt.Errorf("heal: read lock %s: larger than %d bytes", path, MaxTaxonomySize)
	}
	var l Lock
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		return nil, fmt.Errorf("heal: read lock %s: %w", path, err)
	}
	if l.Version != LockVersion {
		return nil, fmt.Errorf("heal: read lock %s: version %d, want %d",
			path, l.Version, LockVersion)
	}
	return &l, nil
}

// WriteFile writes the lock as indented JSON with codes in sorted order, so
// that a change to it reads well in review. It replaces path atomically.
func (l *Lock) WriteFile(path string) error {
	data, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return fmt.Errorf("heal: write lock: %w", err)
	}
	data = append(data, '\n')
	if err := atomicfile.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("heal: write lock: %w", err)
	}
	return nil
}

// Check compares t with the lock and returns one problem per code whose
// meaning changed, and per locked code that disappeared without having been
// deprecated first. Added codes, changed owners or runbooks, and codes
// deprecated in t are fine.
func (l *Lock) Check(t *Taxonomy) []Problem {
	codes := make([]Code, 0, len(l.Codes))
	for c := range l.Codes {
		codes = append(codes, c)
	}
	slices.Sort(codes)

	var probs []Problem
	for _, c := range codes {
		locked := l.Codes[c]
		d, ok := t.Lookup(c)
		if !ok {
			if !locked.Deprecated {
				probs = append(probs, Problem{Code: c, Msg: "removed without being " +
					"deprecated first; restore it with deprecated: true and replaced_by"})
			}
			continue
		}
		if fingerprint(d) != locked.Fingerprint {
			msg := "changed meaning: " + describeChange(locked, d) +
				"; codes are immutable once in use, so define a new code and deprecate this one"
			probs = append(probs, Problem{Code: c, Msg: msg})
		}
	}
	return probs
}

func describeChange(locked LockedCode, d Definition) string {
	var parts []string
	if locked.Title != d.Title {
		parts = append(parts, fmt.Sprintf("title %q -> %q", locked.Title, d.Title))
	}
	if locked.Severity != d.Severity {
		parts = append(parts, fmt.Sprintf("severity %s -> %s", locked.Severity, d.Severity))
	}
	if locked.Retryable != d.Retryable {
		parts = append(parts, fmt.Sprintf("retryable %t -> %t", locked.Retryable, d.Retryable))
	}
	if len(parts) == 0 {
		return "fingerprint differs from the lock file"
	}
	return strings.Join(parts, ", ")
}
