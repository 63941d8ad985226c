// Package atomicfile replaces files so that a crash leaves either the old
// content or the new, never a part of either. The supervisor's state file,
// the flags kill file and the taxonomy lock file are written through it.
// It is internal because it is plumbing those packages share, not part of
// selfheal's API, so it sits outside the package map in DESIGN.md.
package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// WriteFile replaces the file at path with data, durably: it writes a
// temporary file beside path, fsyncs it, renames it over path and fsyncs
// the directory, so that the rename itself survives a crash. Readers see
// the old file or the new one, never a part of either.
//
// The file gets mode perm exactly: unlike [os.WriteFile], the umask does
// not apply, since the mode is set on the temporary file after it is
// created. On any error, path is left as it was and no temporary file
// remains.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	defer os.Remove(f.Name()) // fails harmlessly once renamed

	if err := writeSync(f, data, perm); err != nil {
		return fmt.Errorf("atomicfile: write %s: %w", f.Name(), err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	return syncDir(dir)
}

// writeSync gives f its mode and content, flushes it to disk and closes it.
func writeSync(f *os.File, data []byte, perm os.FileMode) error {
	err := f.Chmod(perm)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("atomicfile: sync %s: %w", dir, err)
	}
	return nil
}
