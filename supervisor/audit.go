package supervisor

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// AuditSink receives every audit record the supervisor writes. Write must
// return only once the record is durable: the supervisor runs no action
// until the record that it started has been written, and treats an error as
// a broken sink (it stops acting until a write succeeds again).
//
// Implementations must be safe for concurrent use: operator controls write
// from the caller's goroutine, decisions from the supervisor's.
type AuditSink interface {
	Write(r Record) error
}

// ErrAuditCorrupt is wrapped by the errors of [VerifyAudit] and
// [OpenFileSink] when a record was modified, deleted or reordered.
var ErrAuditCorrupt = errors.New("supervisor: audit trail corrupt")

// AuditError reports the first line of an audit file that fails the hash
// chain. It wraps [ErrAuditCorrupt].
type AuditError struct {
	Path   string // the file, when known
	Line   int    // 1-based line number of the first bad record
	Reason string // what is wrong with it
}

// Error says where the chain breaks and how.
func (e *AuditError) Error() string {
	where := "audit trail"
	if e.Path != "" {
		where = "audit file " + e.Path
	}
	return fmt.Sprintf("supervisor: %s: line %d: %s", where, e.Line, e.Reason)
}

// Unwrap returns [ErrAuditCorrupt].
func (e *AuditError) Unwrap() error { return ErrAuditCorrupt }

// hashPrefix starts every chained line; the hash sits first so a verifier
// can cut it out and hash exactly the bytes that were hashed when written.
const hashPrefix = `{"hash":"`

// prefixLen is the length of `{"hash":"<64 hex>",`.
const prefixLen = len(hashPrefix) + 64 + 2

// encodeLine returns r as one chained line, newline included, and its hash.
func encodeLine(r Record) ([]byte, string, error) {
	r.Hash = ""
	body, err := json.Marshal(r)
	if err != nil {
		return nil, "", fmt.Errorf("supervisor: encode audit record: %w", err)
	}
	sum := sha256.Sum256(body)
	h := hex.EncodeToString(sum[:])
	line := make([]byte, 0, len(body)+prefixLen+1)
	line = append(line, hashPrefix+h+`",`...)
	line = append(line, body[1:]...)
	return append(line, '\n'), h, nil
}

// decodeLine checks one line (without its newline) on its own and returns
// its record with Hash filled in.
func decodeLine(line []byte) (Record, string) {
	var r Record
	if len(line) < prefixLen || !bytes.HasPrefix(line, []byte(hashPrefix)) ||
		string(line[prefixLen-2:prefixLen]) != `",` {
		return r, "not a chained record (no leading hash)"
	}
	want := string(line[len(hashPrefix) : prefixLen-2])
	body := append([]byte{'{'}, line[prefixLen:]...)
	if err := json.Unmarshal(body, &r); err != nil {
		return r, "not valid JSON: " + err.Error()
	}
	sum := sha256.Sum256(body)
	if hex.EncodeToString(sum[:]) != want || r.Hash != "" {
		return r, "hash mismatch: the record was modified"
	}
	r.Hash = want
	return r, ""
}

// chain tracks the expected next link while reading a trail.
type chain struct {
	seq  uint64
	prev string
}

// next checks r against the chain so far and advances it.
func (c *chain) next(r Record) string {
	switch {
	case r.Seq != c.seq+1:
		return fmt.Sprintf("seq %d, want %d: a record was deleted, inserted or reordered",
			r.Seq, c.seq+1)
	case r.Prev != c.prev:
		return "prev does not match the hash of the record before: " +
			"a record was deleted, inserted or reordered"
	}
	c.seq, c.prev = r.Seq, r.Hash
	return ""
}

// scan reads a trail line by line. It returns the number of good records,
// the chain after them, the byte offset where they end, and an *AuditError
// for the first bad line. A final line without its newline is reported with
// torn set, so a writer can tell a crash mid-write from tampering.
func scan(rd io.Reader) (n int, c chain, good int64, torn bool, err error) {
	br := bufio.NewReader(rd)
	for {
		line, rerr := br.ReadBytes('\n')
		if len(line) == 0 && rerr == io.EOF {
			return n, c, good, false, nil
		}
		if rerr != nil && rerr != io.EOF {
			return n, c, good, false, fmt.Errorf("supervisor: read audit trail: %w", rerr)
		}
		if rerr == io.EOF {
			return n, c, good, true, &AuditError{Line: n + 1,
				Reason: "torn write: the last record has no trailing newline"}
		}
		r, why := decodeLine(line[:len(line)-1])
		if why == "" {
			why = c.next(r)
		}
		if why != "" {
			return n, c, good, false, &AuditError{Line: n + 1, Reason: why}
		}
		n++
		good += int64(len(line))
	}
}

// VerifyAudit checks the hash chain of a trail written by a [FileSink] and
// returns how many records are intact. The error, an *[AuditError] for a
// broken chain, names the first bad line: a modified record fails its hash,
// a deleted or reordered one breaks seq and prev, a torn write lacks its
// newline. Deleting records from the end cannot be detected by the chain
// alone.
func VerifyAudit(r io.Reader) (n int, err error) {
	n, _, _, _, err = scan(r)
	return n, err
}

// VerifyAuditFile is [VerifyAudit] on the file at path; the error names the
// file as well as the line.
func VerifyAuditFile(path string) (n int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("supervisor: verify audit file: %w", err)
	}
	defer f.Close()
	n, err = VerifyAudit(f)
	var ae *AuditError
	if errors.As(err, &ae) {
		ae.Path = path
	}
	return n, err
}

// FileSink is the default [AuditSink]: a JSON Lines file, one record a line,
// each fsynced before Write returns and chained to the one before by its
// SHA-256 hash. It is safe for concurrent use. Make one with [OpenFileSink].
type FileSink struct {
	mu    sync.Mutex
	f     *os.File
	path  string
	chain chain
	size  int64 // bytes of good records; a failed write is cut back to it
	torn  *AuditError
}

// OpenFileSink opens or creates the trail at path for appending. When the
// process crashed mid-write, the torn last line is cut off, the earlier
// records are kept and the chain continues from the last good one;
// [FileSink.Recovered] reports what was cut. Any other break in the chain
// is returned as an error wrapping [ErrAuditCorrupt]: appending to a trail
// that was tampered with would hide it.
func OpenFileSink(path string) (*FileSink, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("supervisor: open audit file: %w", err)
	}
	s := &FileSink{f: f, path: path}
	if err := s.recover(); err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

// recover reads the trail, cuts a torn tail and positions for appending.
func (s *FileSink) recover() error {
	_, c, good, torn, err := scan(s.f)
	var ae *AuditError
	if errors.As(err, &ae) {
		ae.Path = s.path
	}
	if err != nil && !torn {
		return err
	}
	if torn {
		s.torn = ae
		if err := s.f.Truncate(good); err != nil {
			return fmt.Errorf("supervisor: cut torn audit tail: %w", err)
		}
		if err := s.f.Sync(); err != nil {
			return fmt.Errorf("supervisor: cut torn audit tail: %w", err)
		}
	}
	s.chain, s.size = c, good
	_, err = s.f.Seek(good, io.SeekStart)
	return err
}

// Recovered returns the *[AuditError] describing the torn tail that
// [OpenFileSink] cut off, or nil when the trail was intact.
func (s *FileSink) Recovered() error {
	if s.torn == nil {
		return nil
	}
	return s.torn
}

// Path returns the file's path.
func (s *FileSink) Path() string { return s.path }

// Write appends r to the chain and fsyncs the file.
func (s *FileSink) Write(r Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return errors.New("supervisor: audit file " + s.path + " is closed")
	}
	r.Seq, r.Prev = s.chain.seq+1, s.chain.prev
	line, h, err := encodeLine(r)
	if err != nil {
		return err
	}
	if _, err := s.f.Write(line); err != nil {
		s.cutBack()
		return fmt.Errorf("supervisor: write audit record %d: %w", r.Seq, err)
	}
	if err := s.f.Sync(); err != nil {
		s.cutBack()
		return fmt.Errorf("supervisor: sync audit record %d: %w", r.Seq, err)
	}
	s.chain = chain{seq: r.Seq, prev: h}
	s.size += int64(len(line))
	return nil
}

// cutBack drops whatever part of a failed write reached the file, so the
// next record does not follow a torn line. It is best effort: if the disk
// refuses this too, OpenFileSink cuts the tail on the next start.
func (s *FileSink) cutBack() {
	if s.f.Truncate(s.size) == nil {
		_, _ = s.f.Seek(s.size, io.SeekStart)
	}
}

// Close closes the file. Later writes fail.
func (s *FileSink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	return err
}
