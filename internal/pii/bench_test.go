package pii

import (
	"fmt"
	"strings"
	"testing"
)

// cleanPrompt returns about 2 KB of chat text with numbers, dates, versions
// and ids but no personal data.
func cleanPrompt() string {
	const para = "You are a helpful assistant for Acme Corp. The user asks about order " +
		"ORD-2024-000123456 placed on 2024-06-05 at 14:30:00 and shipped with 3 parcels. " +
		"Summarize the last 12 messages, keep answers under 200 words, use version 1.2.3 of " +
		"the style guide and cite sections 4.1 and 7.2. Token budget: 4,111 tokens. "
	var b strings.Builder
	for b.Len() < 2048 {
		b.WriteString(para)
	}
	return b.String()[:2048]
}

// dirtyPrompt returns about 2 KB of chat text with four e-mail addresses and
// some digits.
func dirtyPrompt() string {
	s := cleanPrompt()
	return "Contact jane.doe@example.com, bob+news@example.org, li.wei@example.net and " +
		"ops@corp.example.co.uk. " + s[:2048-130]
}

// orderPrompt returns the 2048-byte prompt of the pipeline benchmark in
// bench/masking: four e-mail addresses, an order number, dates and counts.
func orderPrompt(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Request %d: please forward the invoice of order 4821-%04d to jane.doe@example.com "+
		"and copy bob+billing@example.org. ", n, n)
	const filler = "The customer asked about the delivery window for the 3 parcels shipped on " +
		"2024-06-05, wants a summary of the last 12 messages and a reply under 200 words. "
	for b.Len() < 1500 {
		b.WriteString(filler)
	}
	b.WriteString("Escalations go to li.wei@example.net, and the account owner is ops@corp.example.co.uk. ")
	for b.Len() < 2048 {
		b.WriteString("Thanks for your patience. ")
	}
	return b.String()[:2048]
}

func BenchmarkMaskOrderPrompt2KB(b *testing.B) {
	m, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	tally := m.NewTally()
	s := orderPrompt(7)
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, o := m.Mask("gen_ai.prompt", s, AllRules, tally); o != Masked {
			b.Fatal("prompt was not masked")
		}
	}
}

func BenchmarkScanOrderPrompt2KB(b *testing.B) {
	sc := NewScanner(Builtins())
	s := orderPrompt(7)
	var ms []Match
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ms = sc.Scan(s, nil, ms[:0])
	}
	if len(ms) != 4 {
		b.Fatalf("found %d matches, want the 4 e-mail addresses", len(ms))
	}
}

func BenchmarkMaskClean2KB(b *testing.B) {
	m, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	tally := m.NewTally()
	s := cleanPrompt()
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, o := m.Mask("gen_ai.prompt", s, AllRules, tally); o != Unchanged {
			b.Fatal("clean prompt was changed")
		}
	}
}

func BenchmarkMaskFourEmails2KB(b *testing.B) {
	m, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	tally := m.NewTally()
	s := dirtyPrompt()
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, o := m.Mask("gen_ai.prompt", s, AllRules, tally); o != Masked {
			b.Fatal("prompt was not masked")
		}
	}
}

func BenchmarkMaskJSONMessages2KB(b *testing.B) {
	m, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	tally := m.NewTally()
	s := `[{"role":"system","content":"` + cleanPrompt()[:900] + `"},{"role":"user","content":"` +
		cleanPrompt()[:900] + ` mail me at jane.doe@example.com"}]`
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Mask("gen_ai.input.messages", s, AllRules, tally)
	}
}

func TestMaskCleanStringDoesNotAllocate(t *testing.T) {
	m, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	tally := m.NewTally()
	s := cleanPrompt()
	json := `{"messages":[{"role":"user","content":"` + s[:1000] + `\n"}]}`
	if raceDetector {
		t.Skip("the race detector's instrumentation allocates")
	}
	allocs := testing.AllocsPerRun(100, func() {
		m.Mask("gen_ai.prompt", s, AllRules, tally)
		m.Mask("gen_ai.input.messages", json, AllRules, tally)
	})
	if allocs != 0 {
		t.Errorf("masking clean text allocated %.1f times per run, want 0", allocs)
	}
}
