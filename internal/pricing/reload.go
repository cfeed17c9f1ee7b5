package pricing

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// FileSpec names a table file and its format.
type FileSpec struct {
	Path   string
	Format Format
}

type fileState struct {
	spec    FileSpec
	table   *Table
	modTime time.Time
	size    int64
}

// Layers builds matchers from the default table, table files and inline
// overrides, in that order of precedence, and reloads table files that
// changed on disk. Layers is not safe for concurrent use; the matchers it
// returns are.
type Layers struct {
	builtin *Table
	files   []fileState
	inline  *Table
	opts    MatcherOptions
}

// NewLayers loads every table file and returns the layers and a matcher over
// them. builtin and inline may be nil. A file that cannot be loaded is an
// error.
func NewLayers(builtin *Table, files []FileSpec, inline *Table, opts MatcherOptions) (*Layers, *Matcher, error) {
	l := &Layers{builtin: builtin, inline: inline, opts: opts}
	for _, f := range files {
		t, st, err := loadStable(f)
		for retry := 0; errors.Is(err, errFileChanging) && retry < 3; retry++ {
			time.Sleep(100 * time.Millisecond)
			t, st, err = loadStable(f)
		}
		if errors.Is(err, errFileChanging) {
			return nil, nil, fmt.Errorf("price table %s: %w on every try; write the new table to "+
				"a temporary file and rename it into place", f.Path, err)
		}
		if err != nil {
			return nil, nil, err
		}
		l.files = append(l.files, fileState{spec: f, table: t, modTime: st.ModTime(), size: st.Size()})
	}
	return l, l.matcher(), nil
}

// readTableFile reads a table file. Tests replace it to change a file while
// it is read.
var readTableFile = os.ReadFile

// errFileChanging reports a table file that changed while it was read.
var errFileChanging = errors.New("the file changed while it was read")

// loadStable loads the table file of spec and returns it with the file's
// state after the read. It returns errFileChanging when the modification
// time or size changed during the read, or the size differs from the bytes
// read. The first part of a table that is being written can parse as a
// valid table with other prices.
func loadStable(spec FileSpec) (*Table, os.FileInfo, error) {
	before, err := os.Stat(spec.Path)
	if err != nil {
		return nil, nil, fmt.Errorf("price table %s: %w", spec.Path, err)
	}
	data, err := readTableFile(spec.Path)
	if err != nil {
		return nil, nil, fmt.Errorf("read price table %s: %w", spec.Path, err)
	}
	after, err := os.Stat(spec.Path)
	if err != nil {
		return nil, nil, fmt.Errorf("price table %s: %w", spec.Path, err)
	}
	if !after.ModTime().Equal(before.ModTime()) || after.Size() != before.Size() ||
		int64(len(data)) != after.Size() {
		return nil, after, errFileChanging
	}
	t, err := ParseTable(filepath.Base(spec.Path), data, spec.Format)
	if err != nil {
		return nil, after, fmt.Errorf("price table %s: %w", spec.Path, err)
	}
	return t, after, nil
}

func (l *Layers) matcher() *Matcher {
	tables := make([]*Table, 0, len(l.files)+2)
	if l.builtin != nil {
		tables = append(tables, l.builtin)
	}
	for _, f := range l.files {
		tables = append(tables, f.table)
	}
	if l.inline != nil {
		tables = append(tables, l.inline)
	}
	return NewMatcher(tables, l.opts)
}

// Reload reloads every table file whose modification time or size changed
// since it was last read. It returns a new matcher when a table changed, or
// nil. A file that fails to load keeps its previous table, and its error is
// returned once per change of the file. A file that changes while it is read
// keeps its previous table without an error and is read again next time.
func (l *Layers) Reload() (*Matcher, []error) {
	var (
		changed bool
		errs    []error
	)
	for i := range l.files {
		f := &l.files[i]
		st, err := os.Stat(f.spec.Path)
		if err != nil {
			if f.size != -1 {
				errs = append(errs, fmt.Errorf("price table %s: %w; keeping the previous table", f.spec.Path, err))
				f.size = -1
			}
			continue
		}
		if st.ModTime().Equal(f.modTime) && st.Size() == f.size {
			continue
		}
		t, after, err := loadStable(f.spec)
		if errors.Is(err, errFileChanging) {
			// The file is being written: the state stays as it was, so
			// the next reload reads it again.
			continue
		}
		if after != nil {
			f.modTime, f.size = after.ModTime(), after.Size()
		} else {
			f.modTime, f.size = st.ModTime(), st.Size()
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%w; keeping the previous table", err))
			continue
		}
		f.table = t
		changed = true
	}
	if !changed {
		return nil, errs
	}
	return l.matcher(), errs
}
