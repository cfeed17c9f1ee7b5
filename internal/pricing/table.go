package pricing

import (
	"bytes"
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Table is one layer of prices: the embedded default, a table file or the
// inline overrides. A later entry for the same name replaces an earlier one.
type Table struct {
	// Name is the table name that price ids start with.
	Name string
	// Version is the table's version string, empty if it has none.
	Version string

	entries  []*Entry
	byName   map[string]*Entry
	patterns []*Entry
}

func newTable(name string) *Table {
	return &Table{Name: name, byName: make(map[string]*Entry)}
}

func (t *Table) add(e *Entry) {
	t.entries = append(t.entries, e)
	t.byName[strings.ToLower(e.Model)] = e
	for _, a := range e.Aliases {
		t.byName[strings.ToLower(a)] = e
	}
	if e.pattern != nil {
		t.patterns = append(t.patterns, e)
	}
}

// Len returns the number of entries.
func (t *Table) Len() int { return len(t.entries) }

// Entries returns the entries in the order they were loaded.
func (t *Table) Entries() []*Entry { return t.entries }

// lookup returns the entry whose model or alias is name, which must be lower
// case, or nil.
func (t *Table) lookup(name string) *Entry { return t.byName[name] }

// matchPattern returns the first entry whose match pattern matches name, or
// nil.
func (t *Table) matchPattern(name string) *Entry {
	for _, e := range t.patterns {
		if e.pattern.MatchString(name) {
			return e
		}
	}
	return nil
}

// Format is a price table file format.
type Format string

// Table file formats.
const (
	// FormatAuto detects the format from the content: a JSON array is
	// Langfuse, a JSON object without a "models" key is LiteLLM, anything
	// else is native.
	FormatAuto Format = "auto"
	// FormatNative is this package's YAML format (JSON is accepted too).
	FormatNative Format = "native"
	// FormatLiteLLM is LiteLLM's model_prices_and_context_window.json.
	FormatLiteLLM Format = "litellm"
	// FormatLangfuse is a list of Langfuse model definitions, as in
	// Langfuse's default-model-prices.json or GET /api/public/models.
	FormatLangfuse Format = "langfuse"
)

// Valid reports whether f is a known format; the empty format means auto.
func (f Format) Valid() bool {
	switch f {
	case "", FormatAuto, FormatNative, FormatLiteLLM, FormatLangfuse:
		return true
	}
	return false
}

// ParseTable parses a table named name from data in format f. A table that
// yields no priced model is an error, so that a file in an unexpected shape
// does not silently price nothing.
func ParseTable(name string, data []byte, f Format) (*Table, error) {
	if f == "" || f == FormatAuto {
		f = detectFormat(data)
	}
	var (
		t   *Table
		err error
	)
	switch f {
	case FormatNative:
		t, err = parseNative(name, data)
	case FormatLiteLLM:
		t, err = parseLiteLLM(name, data)
	case FormatLangfuse:
		t, err = parseLangfuse(name, data)
	default:
		return nil, fmt.Errorf("unknown table format %q; use auto, native, litellm or langfuse", f)
	}
	if err != nil {
		return nil, fmt.Errorf("%s table: %w", f, err)
	}
	if t.Len() == 0 {
		return nil, fmt.Errorf("%s table has no priced model; check the file format", f)
	}
	return t, nil
}

// LoadFile reads and parses the table file at path. The table is named after
// the file's base name.
func LoadFile(path string, f Format) (*Table, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read price table: %w", err)
	}
	t, err := ParseTable(filepath.Base(path), data, f)
	if err != nil {
		return nil, fmt.Errorf("price table %s: %w", path, err)
	}
	return t, nil
}

func detectFormat(data []byte) Format {
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(trimmed) == 0 {
		return FormatNative
	}
	switch trimmed[0] {
	case '[':
		return FormatLangfuse
	case '{':
		if bytes.Contains(trimmed, []byte(`"models"`)) {
			return FormatNative
		}
		if bytes.Contains(trimmed, []byte(`"matchPattern"`)) {
			return FormatLangfuse
		}
		return FormatLiteLLM
	}
	return FormatNative
}

//go:embed data/prices.yaml
var defaultTableData []byte

// DefaultTableName is the name of the embedded default table.
const DefaultTableName = "builtin"

// Default parses the embedded default table.
func Default() (*Table, error) {
	return ParseTable(DefaultTableName, defaultTableData, FormatNative)
}
