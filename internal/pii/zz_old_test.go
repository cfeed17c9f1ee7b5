package pii

import (
	"runtime"
	"testing"
)

var wordTable = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = isWordByte(byte(c))
	}
	return t
}()

func (sc *Scanner) scanFast(s string, hints KeyHints, dst []Match) []Match {
	first := len(dst)
	flags := &sc.flags
	i := 0
	n := len(s)
	for i < n {
		c := s[i]
		f := flags[c]
		if f&flagAnywhere != 0 {
			if m, ok := sc.anywhereAt(s, i, hints); ok {
				dst = append(dst, m)
				i = m.End
				continue
			}
		}
		if f&(flagNumber|flagPrefix) != 0 && sc.mayStartAt(s, i) {
			if m, ok := sc.wordStartAt(s, i, f, hints); ok {
				dst = append(dst, m)
				i = m.End
				continue
			}
		}
		i++
		if f&flagWord != 0 {
			for i < n && wordTable[s[i]] {
				i++
			}
		}
	}
	return mergeMatches(dst, first)
}

func TestZZAB(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	m, _ := New(Config{})
	for round := 0; round < 3; round++ {
		for _, tc := range []struct{ name, s string }{{"clean", cleanPrompt()}, {"letters", repeatWords()}} {
			n := 20000
			var ms []Match
			start := threadCPU()
			for i := 0; i < n; i++ {
				ms = m.scanner.Scan(tc.s, 0, ms[:0])
			}
			a := float64(threadCPU()-start) / float64(n)
			start = threadCPU()
			for i := 0; i < n; i++ {
				ms = m.scanner.scanFast(tc.s, 0, ms[:0])
			}
			b := float64(threadCPU()-start) / float64(n)
			t.Logf("%s cur %.0f fast %.0f", tc.name, a, b)
		}
	}
}
