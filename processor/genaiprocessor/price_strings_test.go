package genaiprocessor

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeText writes s through w as the pricing stage writes cost details.
func writeText(w *textWriter, a *stringArena, s string) string {
	buf, start := w.begin(a, len(s))
	return w.end(append(buf, s...), start)
}

func TestTextWriterKeepsStrings(t *testing.T) {
	var a stringArena
	var got []string
	// Enough strings to fill several blocks, over several batches that
	// share the arena, so a string that shared memory with a later one
	// would change.
	for batch := 0; batch < 4; batch++ {
		var w textWriter
		for i := 0; i < stringBlockSize/5; i++ {
			got = append(got, writeText(&w, &a, fmt.Sprintf("{%d:%d}", batch, i)))
		}
		w.release()
	}
	n := 0
	for batch := 0; batch < 4; batch++ {
		for i := 0; i < stringBlockSize/5; i++ {
			require.Equal(t, fmt.Sprintf("{%d:%d}", batch, i), got[n])
			n++
		}
	}
}

func TestTextWriterEdgeSizes(t *testing.T) {
	var a stringArena
	var w textWriter
	defer w.release()
	assert.Equal(t, "", writeText(&w, &a, ""))
	long := strings.Repeat("x", 3*stringBlockSize)
	gotLong := writeText(&w, &a, long)
	assert.Equal(t, long, gotLong)
	exact := strings.Repeat("y", stringBlockSize)
	gotExact := writeText(&w, &a, exact)
	assert.Equal(t, exact, gotExact)
	assert.Equal(t, "z", writeText(&w, &a, "z"))
	assert.Equal(t, long, gotLong, "a later string changed an earlier one")
	assert.Equal(t, exact, gotExact, "a later string changed an earlier one")
}

func TestTextWriterConcurrent(t *testing.T) {
	var a stringArena
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for batch := 0; batch < 20; batch++ {
				var w textWriter
				var got []string
				for i := 0; i < 100; i++ {
					got = append(got, writeText(&w, &a, fmt.Sprintf("g%d-%d-%d", g, batch, i)))
				}
				w.release()
				for i, s := range got {
					if want := fmt.Sprintf("g%d-%d-%d", g, batch, i); s != want {
						t.Errorf("got %q, want %q", s, want)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}
