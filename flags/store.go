package flags

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/selfheal/selfheal/internal/atomicfile"
)

// Record is one kill: which flag, who killed it, why and when.
type Record struct {
	Flag   string    `json:"flag"`
	Actor  string    `json:"actor"`
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at"`
}

// Store keeps the set of killed flags. Its operations are ones a store
// shared by the replicas of a service can implement atomically: record or
// remove one kill, read the whole set, and watch it change.
//
// Implementations must be safe for concurrent use.
type Store interface {
	// Load returns every kill recorded.
	Load(ctx context.Context) ([]Record, error)
	// Put records r, replacing any kill of the same flag.
	Put(ctx context.Context, r Record) error
	// Delete removes the kill of flag, if there is one.
	Delete(ctx context.Context, flag string) error
	// Watch calls fn with the whole set each time it changes, until ctx is
	// done, and then returns. fn must be called from a goroutine of the
	// store's own, never from within Put or Delete, and one call at a time.
	// Changes made through this Store value may be reported too: applying
	// a set that is already in effect changes nothing.
	//
	// The switch takes each set as the truth and replaces the one in effect
	// with it. A kill this process made but failed to Put is missing from
	// the set, so the set revives that flag; a kill it failed to Delete is
	// still there, so the set kills the flag again.
	Watch(ctx context.Context, fn func([]Record)) error
}

// maxFileSize bounds the kill file read at start-up; a file larger than
// this is not one this package wrote.
const maxFileSize = 1 << 20

// FileStore is the local [Store]: the kills in memory, and in a JSON file
// when it has a path. Each change rewrites the file atomically (a temporary
// file, fsync, rename), so a crash leaves either the old set or the new.
// Only this process writes the file, so Watch reports nothing.
//
// The zero value keeps kills in memory only. A FileStore is safe for
// concurrent use; two processes must not share one file.
type FileStore struct {
	path string
	mu   sync.Mutex
	recs map[string]Record
}

// NewFileStore returns a store that keeps kills in the file at path, or in
// memory only when path is empty. The file is created on the first kill.
func NewFileStore(path string) *FileStore { return &FileStore{path: path} }

// fileFormat is the layout of the kill file.
type fileFormat struct {
	Kills []Record `json:"kills"`
}

// Load reads the file, if any, and returns the kills in flag order.
func (s *FileStore) Load(context.Context) ([]Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.recs == nil && s.path != "" {
		recs, err := readFile(s.path)
		if err != nil {
			return nil, err
		}
		s.recs = recs
	}
	return sorted(s.recs), nil
}

// Put records r and rewrites the file.
func (s *FileStore) Put(_ context.Context, r Record) error {
	return s.change(func(m map[string]Record) { m[r.Flag] = r })
}

// Delete removes the kill of flag and rewrites the file.
func (s *FileStore) Delete(_ context.Context, flag string) error {
	return s.change(func(m map[string]Record) { delete(m, flag) })
}

// Watch blocks until ctx is done: nothing but this store changes the file.
func (s *FileStore) Watch(ctx context.Context, _ func([]Record)) error {
	<-ctx.Done()
	return nil
}

// change applies edit to a copy of the set, writes it, and keeps it only
// once it is written, so memory never runs ahead of the file.
func (s *FileStore) change(edit func(map[string]Record)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := maps.Clone(s.recs)
	if next == nil {
		next = map[string]Record{}
	}
	edit(next)
	if s.path != "" {
		if err := writeFile(s.path, sorted(next)); err != nil {
			return err
		}
	}
	s.recs = next
	return nil
}

func sorted(m map[string]Record) []Record {
	out := slices.Collect(maps.Values(m))
	slices.SortFunc(out, byFlag)
	return out
}

// byFlag orders records by flag name.
func byFlag(a, b Record) int { return strings.Compare(a.Flag, b.Flag) }

func readFile(path string) (map[string]Record, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]Record{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("flags: read kills: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("flags: read kills %s: %w", path, err)
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("flags: read kills %s: larger than %d bytes", path, maxFileSize)
	}
	var ff fileFormat
	if err := json.Unmarshal(data, &ff); err != nil {
		return nil, fmt.Errorf("flags: read kills %s: %w", path, err)
	}
	m := make(map[string]Record, len(ff.Kills))
	for _, r := range ff.Kills {
		if r.Flag == "" {
			return nil, fmt.Errorf("flags: read kills %s: a kill has no flag", path)
		}
		m[r.Flag] = r
	}
	return m, nil
}

// writeFile replaces path with recs atomically: readers see the old file
// or the new one, never a part of either.
func writeFile(path string, recs []Record) error {
	data, err := json.MarshalIndent(fileFormat{Kills: recs}, "", "  ")
	if err != nil {
		return fmt.Errorf("flags: write kills: %w", err)
	}
	if err := atomicfile.WriteFile(path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("flags: write kills: %w", err)
	}
	return nil
}
