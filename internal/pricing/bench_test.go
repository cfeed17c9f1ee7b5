package pricing

import "testing"

func BenchmarkEntryCost(b *testing.B) {
	m := defaultMatcher(b)
	e := m.Lookup("", "gpt-4o").Entry
	u := Usage{InputUncached: 86, CacheRead: 1920, Output: 300}
	b.ReportAllocs()
	var sink float64
	for b.Loop() {
		sink += e.Cost(u).Total
	}
	_ = sink
}

func BenchmarkAppendDetailsJSON(b *testing.B) {
	m := defaultMatcher(b)
	e := m.Lookup("", "gpt-4o").Entry
	u := Usage{InputUncached: 86, CacheRead: 1920, Output: 300}
	c := e.Cost(u)
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf = c.AppendDetailsJSON(buf[:0], u)
	}
}
