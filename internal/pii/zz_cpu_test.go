package pii

import (
	"runtime"
	"syscall"
	"testing"
)

func threadCPU() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(1, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func TestZZCPU(t *testing.T) {
	runtime.LockOSThread()
	m, _ := New(Config{})
	tally := m.NewTally()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for _, tc := range []struct{ name, s string }{{"clean", cleanPrompt()}, {"dirty", dirtyPrompt()}, {"letters", string(make([]byte, 0)) + repeatWords()}} {
		n := 20000
		start := threadCPU()
		for i := 0; i < n; i++ {
			m.Mask("gen_ai.prompt", tc.s, AllRules, tally)
		}
		t.Logf("%s: %.0f ns/op cpu (%d bytes)", tc.name, float64(threadCPU()-start)/float64(n), len(tc.s))
		var ms []Match
		start = threadCPU()
		for i := 0; i < n; i++ {
			ms = m.scanner.Scan(tc.s, 0, ms[:0])
		}
		t.Logf("%s scan only: %.0f ns/op cpu", tc.name, float64(threadCPU()-start)/float64(n))
	}
}

func repeatWords() string {
	s := ""
	for len(s) < 2048 {
		s += "the quick brown fox jumps over the lazy dog and runs away "
	}
	return s[:2048]
}
