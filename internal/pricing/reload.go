package pricing

import (
	"fmt"
	"os"
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
		st, err := os.Stat(f.Path)
		if err != nil {
			return nil, nil, fmt.Errorf("price table %s: %w", f.Path, err)
		}
		t, err := LoadFile(f.Path, f.Format)
		if err != nil {
			return nil, nil, err
		}
		l.files = append(l.files, fileState{spec: f, table: t, modTime: st.ModTime(), size: st.Size()})
	}
	return l, l.matcher(), nil
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
// returned once per change of the file.
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
		f.modTime, f.size = st.ModTime(), st.Size()
		t, err := LoadFile(f.spec.Path, f.spec.Format)
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
