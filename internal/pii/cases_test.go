package pii

import (
	"bufio"
	"encoding/json"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type piiCase struct {
	ID       string `json:"id"`
	Text     string `json:"text"`
	Entities []struct {
		Type  string `json:"type"`
		Value string `json:"value"`
	} `json:"entities"`
	Hard   bool   `json:"hard"`
	Format string `json:"format"`
}

func loadCases(t *testing.T) []piiCase {
	t.Helper()
	f, err := os.Open("testdata/pii_cases.jsonl")
	require.NoError(t, err)
	defer f.Close()
	var cases []piiCase
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var c piiCase
		require.NoError(t, json.Unmarshal(sc.Bytes(), &c), sc.Text())
		cases = append(cases, c)
	}
	require.NoError(t, sc.Err())
	require.NotEmpty(t, cases)
	return cases
}

// entityMasked reports whether no trace of the entity value is left in out:
// neither its spelling in the case text nor, for JSON cases, the decoded
// spelling.
func entityMasked(out, value string) bool {
	if strings.Contains(out, value) {
		return false
	}
	var decoded any
	if json.Unmarshal([]byte(out), &decoded) == nil {
		if strings.Contains(flattenJSON(decoded), value) {
			return false
		}
	}
	return true
}

func flattenJSON(v any) string {
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			b.WriteString(x)
			b.WriteByte('\n')
			var inner any
			if json.Unmarshal([]byte(x), &inner) == nil {
				walk(inner)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for k, e := range x {
				b.WriteString(k)
				b.WriteByte('\n')
				walk(e)
			}
		}
	}
	walk(v)
	return b.String()
}

// hardRecallThreshold is the share of entities in cases marked hard that the
// built-in detectors must mask.
const hardRecallThreshold = 0.9

func TestCasesCorpus(t *testing.T) {
	m, err := New(Config{})
	require.NoError(t, err)
	tally := m.NewTally()

	type stat struct{ found, total int }
	stats := map[string]*stat{}
	get := func(typ string) *stat {
		if stats[typ] == nil {
			stats[typ] = &stat{}
		}
		return stats[typ]
	}
	var easyFound, easyTotal, hardFound, hardTotal int

	// falsePositives counts matches in cases without entities, by the type
	// of the detector that matched.
	falsePositives := map[string]int64{}
	for _, c := range loadCases(t) {
		tally.Reset()
		out, _ := m.Mask("", c.Text, AllRules, tally)

		if json.Valid([]byte(c.Text)) {
			assert.True(t, json.Valid([]byte(out)), "%s: output is not valid JSON: %s", c.ID, out)
		}
		if c.Format == "json-truncated" {
			assert.LessOrEqual(t, len(out), len(c.Text)+64, "%s: output grew", c.ID)
			assert.True(t, strings.HasPrefix(out, "[{\"role\":\"user\""), "%s: structure lost: %s", c.ID, out)
		}

		if len(c.Entities) == 0 {
			for i, n := range tally.Counts {
				falsePositives[m.Sources()[i].Type] += n
			}
			if out != c.Text {
				t.Errorf("%s: negative case changed:\n in: %s\nout: %s", c.ID, c.Text, out)
			}
			continue
		}
		for _, e := range c.Entities {
			s := get(e.Type)
			s.total++
			ok := entityMasked(out, e.Value)
			if ok {
				s.found++
			}
			if c.Hard {
				hardTotal++
				if ok {
					hardFound++
				}
				if !ok {
					t.Logf("%s (hard): %s %q not masked: %s", c.ID, e.Type, e.Value, out)
				}
				continue
			}
			easyTotal++
			if ok {
				easyFound++
			}
			assert.True(t, ok, "%s: %s %q not masked: %s", c.ID, e.Type, e.Value, out)
		}
	}

	types := make([]string, 0, len(stats))
	for typ := range stats {
		types = append(types, typ)
	}
	sort.Strings(types)
	for _, typ := range types {
		s := stats[typ]
		t.Logf("%-14s recall %d/%d", typ, s.found, s.total)
	}
	seen := map[string]bool{}
	for _, src := range m.Sources() {
		if !seen[src.Type] {
			seen[src.Type] = true
			t.Logf("%-18s false positives in cases without entities: %d", src.Type, falsePositives[src.Type])
		}
	}
	t.Logf("recall: non-hard %d/%d, hard %d/%d", easyFound, easyTotal, hardFound, hardTotal)
	assert.Equal(t, easyTotal, easyFound, "recall on non-hard cases must be 100%%")
	assert.GreaterOrEqual(t, float64(hardFound), hardRecallThreshold*float64(hardTotal),
		"recall on hard cases is below %.0f%%", hardRecallThreshold*100)
}
