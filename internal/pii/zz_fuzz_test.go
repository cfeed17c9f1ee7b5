package pii

import (
	"fmt"
	"os"
	"testing"
	"time"
)

func FuzzZZ(f *testing.F) {
	f.Add("mail a@example.com", "x")
	m, _ := New(Config{})
	f.Fuzz(func(t *testing.T, before, after string) {
		for _, in := range []string{before + after, before + " x " + fuzzEmail + " x " + fuzzCard + " x " + after} {
			done := make(chan struct{})
			go func() { m.Mask("k", in, AllRules, m.NewTally()); close(done) }()
			select {
			case <-done:
			case <-time.After(2 * time.Second):
				os.WriteFile("/tmp/hang.txt", []byte(fmt.Sprintf("%q", in)), 0o644)
				panic(fmt.Sprintf("hang on %q", in))
			}
		}
	})
}
