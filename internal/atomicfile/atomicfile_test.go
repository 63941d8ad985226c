package atomicfile

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriteFile(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T, dir string) // prepares dir before the write
		path    string                         // relative to dir
		wantErr bool
		left    []string // the names dir holds afterwards
	}{
		{name: "new file", path: "state.json", left: []string{"state.json"}},
		{
			name: "replaces an existing file",
			setup: func(t *testing.T, dir string) {
				writeTestFile(t, filepath.Join(dir, "state.json"), "old content, longer than new")
			},
			path: "state.json", left: []string{"state.json"},
		},
		{
			name: "path is a directory",
			setup: func(t *testing.T, dir string) {
				require.NoError(t, os.MkdirAll(filepath.Join(dir, "state.json", "x"), 0o755))
			},
			path: "state.json", wantErr: true, left: []string{"state.json"},
		},
		{name: "missing directory", path: "nowhere/state.json", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.setup != nil {
				tt.setup(t, dir)
			}
			path := filepath.Join(dir, tt.path)
			err := WriteFile(path, []byte("new"), 0o600)
			assert.Equal(t, tt.left, names(t, dir), "no temporary file is left")
			if tt.wantErr {
				require.Error(t, err)
				assert.Contains(t, err.Error(), "atomicfile: ")
				return
			}
			require.NoError(t, err)
			got, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, "new", string(got))
			fi, err := os.Stat(path)
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
		})
	}
}

func TestWriteFileSetsPermExactly(t *testing.T) {
	for _, perm := range []os.FileMode{0o600, 0o644, 0o666} {
		path := filepath.Join(t.TempDir(), "f")
		require.NoError(t, WriteFile(path, nil, perm))
		fi, err := os.Stat(path)
		require.NoError(t, err)
		assert.Equal(t, perm, fi.Mode().Perm())
		assert.Zero(t, fi.Size())
	}
}

func writeTestFile(t *testing.T, path, content string) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
}

// names lists the entries of dir, or nil when it has none.
func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}
