package genaiprocessor

import "github.com/otelcol-genai/otelcol-genai/internal/pii"

func uniqueBuiltinNames() []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range pii.BuiltinNames() {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}
