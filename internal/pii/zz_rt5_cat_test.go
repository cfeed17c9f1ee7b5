package pii

import (
	"strings"
	"testing"
)

func benchScanText(b *testing.B, unit string) {
	var sb strings.Builder
	for sb.Len() < 2048 {
		sb.WriteString(unit)
	}
	s := sb.String()[:2048]
	sc := NewScanner(Builtins())
	var ms []Match
	b.SetBytes(int64(len(s)))
	for i := 0; i < b.N; i++ {
		ms = sc.Scan(s, nil, ms[:0])
	}
}

func BenchmarkRT5Plain(b *testing.B)  { benchScanText(b, "the customer asked about the delivery window for the parcels, wants a summary. ") }
func BenchmarkRT5Caps(b *testing.B)   { benchScanText(b, "The customer asked about the Delivery window for the parcels, wants a Summary. ") }
func BenchmarkRT5Short(b *testing.B)  { benchScanText(b, "the customer asked about the 3 window for the 12 parcels, wants a 200 summary. ") }
func BenchmarkRT5Dates(b *testing.B)  { benchScanText(b, "the customer asked about the delivery 2024-06-05 for the parcels, wants 2024-06-07. ") }
func BenchmarkRT5Emails(b *testing.B) { benchScanText(b, "the customer asked about the delivery jane.doe@example.com for the parcels, wants. ") }
