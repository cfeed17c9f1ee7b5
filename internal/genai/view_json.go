package genai

import (
	"encoding/json"
	"strconv"
	"strings"
)

// MergedModelParameters returns the request parameters as one map: the
// fields of ModelParametersJSON, overridden by ModelParameters. It decodes
// JSON and allocates, so it is meant for exporters, not for the per-span
// reading path. It returns nil when there are no parameters.
func (v *View) MergedModelParameters() map[string]any {
	if v.ModelParametersJSON == "" && len(v.ModelParameters) == 0 {
		return nil
	}
	merged := make(map[string]any, len(v.ModelParameters)+4)
	if v.ModelParametersJSON != "" {
		dec := json.NewDecoder(strings.NewReader(v.ModelParametersJSON))
		dec.UseNumber()
		var fields map[string]any
		if dec.Decode(&fields) == nil {
			for name, val := range fields {
				if n, ok := val.(json.Number); ok {
					val = numberValue(n)
				}
				merged[name] = val
			}
		}
	}
	for name, val := range v.ModelParameters {
		merged[name] = val
	}
	return merged
}

func numberValue(n json.Number) any {
	if i, err := n.Int64(); err == nil {
		return i
	}
	if f, err := n.Float64(); err == nil {
		return f
	}
	return n.String()
}

// InputWithSystemInstructions returns Input with SystemInstructions added in
// front as a {"role":"system","content":…} message, the form Langfuse shows
// for GenAI semantic-convention spans. Input is returned unchanged when it
// is not a JSON array, holds the JSON string "system" (a system message, most likely), or there are no
// system instructions.
func (v *View) InputWithSystemInstructions() string {
	input := strings.TrimSpace(v.Input)
	if v.SystemInstructions == "" || (input != "" && !strings.HasPrefix(input, "[")) {
		return v.Input
	}
	// A byte search instead of a decode keeps this off the allocation path.
	// Any "system" string counts as a system message, so the instructions
	// are added only when the input certainly has none.
	if strings.Contains(input, `"system"`) {
		return v.Input
	}
	// A truncated array (no closing bracket) is left as it is.
	if input != "" && !strings.HasSuffix(input, "]") {
		return v.Input
	}

	content := strings.TrimSpace(v.SystemInstructions)
	if !json.Valid([]byte(content)) {
		content = strconv.Quote(v.SystemInstructions)
	}
	var b strings.Builder
	b.WriteString(`[{"role":"system","content":`)
	b.WriteString(content)
	b.WriteByte('}')
	if rest := strings.TrimSpace(strings.TrimPrefix(input, "[")); rest != "" && rest != "]" {
		b.WriteByte(',')
		b.WriteString(rest)
	} else {
		b.WriteByte(']')
	}
	return b.String()
}
