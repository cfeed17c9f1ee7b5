package genaiprocessor

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStringArenaKeepsStrings(t *testing.T) {
	var a stringArena
	buf := make([]byte, 0, 64)
	var got []string
	// Enough strings to fill several blocks, written through one reused
	// buffer, so a string that shared memory with the buffer or with a
	// later string would change.
	for i := 0; i < 3*stringBlockSize/10; i++ {
		buf = fmt.Appendf(buf[:0], "{%d}", i)
		got = append(got, a.String(buf))
	}
	for i, s := range got {
		require.Equal(t, fmt.Sprintf("{%d}", i), s)
	}
}

func TestStringArenaEdgeSizes(t *testing.T) {
	var a stringArena
	assert.Equal(t, "", a.String(nil))
	long := strings.Repeat("x", stringBlockSize)
	assert.Equal(t, long, a.String([]byte(long)))
	exact := strings.Repeat("y", stringBlockSize/4)
	assert.Equal(t, exact, a.String([]byte(exact)))
}

func TestStringArenaConcurrent(t *testing.T) {
	var a stringArena
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 0, 64)
			for i := 0; i < 2000; i++ {
				buf = fmt.Appendf(buf[:0], "g%d-%d", g, i)
				s := a.String(buf)
				if s != string(buf) {
					t.Errorf("got %q, want %q", s, buf)
					return
				}
			}
		}()
	}
	wg.Wait()
}
