package langfusereceiver

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

// Usage and cost follow Langfuse's batch API rules, so that a generation
// arrives with the usage_details and cost_details Langfuse would have stored:
//
//   - usageDetails is a map of usage type to a non-negative integer. Numeric
//     strings are parsed, and negative, fractional or other values are
//     dropped. The OpenAI Chat Completions and Responses shapes are converted
//     to input, output, total and input_<detail> / output_<detail>, each detail
//     subtracted from input or output and floored at 0.
//   - The legacy usage object ({input, output, total, inputCost, ...} or
//     {promptTokens, completionTokens, totalTokens}) is read only when
//     usageDetails is absent, and its costs only when costDetails is
//     absent.
//   - costDetails keeps non-negative numbers and drops other values.

var openAIChatUsage = usageShape{
	input: "prompt_tokens", output: "completion_tokens", total: "total_tokens",
	inputDetails: "prompt_tokens_details", outputDetails: "completion_tokens_details",
}

var openAIResponsesUsage = usageShape{
	input: "input_tokens", output: "output_tokens", total: "total_tokens",
	inputDetails: "input_tokens_details", outputDetails: "output_tokens_details",
}

// usageShape names the keys of one OpenAI usage object.
type usageShape struct {
	input, output, total        string
	inputDetails, outputDetails string
}

// matches reports whether fields are exactly this shape: the three counts as
// integers and no keys beyond the two detail objects.
func (s usageShape) matches(fields map[string]json.RawMessage) bool {
	for _, key := range []string{s.input, s.output, s.total} {
		if _, ok := usageCount(fields[key]); !ok {
			return false
		}
	}
	for key := range fields {
		switch key {
		case s.input, s.output, s.total, s.inputDetails, s.outputDetails:
		default:
			return false
		}
	}
	return true
}

// convert applies Langfuse's conversion of an OpenAI usage object.
func (s usageShape) convert(fields map[string]json.RawMessage) map[string]int64 {
	input, _ := usageCount(fields[s.input])
	output, _ := usageCount(fields[s.output])
	total, _ := usageCount(fields[s.total])
	usage := map[string]int64{"total": total}
	input -= addDetails(usage, "input_", fields[s.inputDetails])
	output -= addDetails(usage, "output_", fields[s.outputDetails])
	usage["input"] = max(input, 0)
	usage["output"] = max(output, 0)
	return usage
}

// addDetails copies each count of a details object into usage under prefix
// and returns their sum.
func addDetails(usage map[string]int64, prefix string, raw json.RawMessage) int64 {
	var details map[string]json.RawMessage
	if raw == nil || json.Unmarshal(raw, &details) != nil {
		return 0
	}
	var sum int64
	for key, value := range details {
		if n, ok := usageCount(value); ok {
			usage[prefix+key] = n
			sum += n
		}
	}
	return sum
}

// readUsageDetails reads a usageDetails object. It returns nil when no count
// survives, which Langfuse treats as "no usage".
func readUsageDetails(fields map[string]json.RawMessage) map[string]int64 {
	if openAIChatUsage.matches(fields) {
		return openAIChatUsage.convert(fields)
	}
	if openAIResponsesUsage.matches(fields) {
		return openAIResponsesUsage.convert(fields)
	}
	usage := map[string]int64{}
	for key, value := range fields {
		if n, ok := usageCount(value); ok {
			usage[key] = n
		}
	}
	if len(usage) == 0 {
		return nil
	}
	return usage
}

// readLegacyUsage reads the legacy usage object into usage counts and costs.
func readLegacyUsage(fields map[string]json.RawMessage) (map[string]int64, map[string]float64) {
	usage := map[string]int64{}
	for _, pair := range [][2]string{
		{"input", "input"}, {"output", "output"}, {"total", "total"},
		{"promptTokens", "input"}, {"completionTokens", "output"}, {"totalTokens", "total"},
	} {
		if n, ok := usageCount(fields[pair[0]]); ok {
			usage[pair[1]] = n
		}
	}
	cost := map[string]float64{}
	for _, pair := range [][2]string{{"inputCost", "input"}, {"outputCost", "output"},
		{"totalCost", "total"}} {
		if value, ok := fields[pair[0]]; ok {
			if f, ok := jsonNumber(value); ok && f >= 0 {
				cost[pair[1]] = f
			}
		}
	}
	if _, ok := cost["total"]; !ok && len(cost) == 2 {
		cost["total"] = cost["input"] + cost["output"]
	}
	if len(usage) == 0 {
		usage = nil
	}
	if len(cost) == 0 {
		cost = nil
	}
	return usage, cost
}

// readCostDetails keeps the non-negative numbers of a costDetails object.
func readCostDetails(fields map[string]json.RawMessage) map[string]float64 {
	cost := map[string]float64{}
	for key, value := range fields {
		var f float64
		if jsonKind(value) == "a number" && json.Unmarshal(value,
			&f) == nil && f >= 0 && !math.IsInf(f, 0) {
			cost[key] = f
		}
	}
	if len(cost) == 0 {
		return nil
	}
	return cost
}

// usageCount reads a non-negative integer count, or a string that starts with
// one as JavaScript's parseInt reads it.
func usageCount(value json.RawMessage) (int64, bool) {
	if value == nil {
		return 0, false
	}
	var n json.Number
	if err := json.Unmarshal(value, &n); err == nil {
		i, err := n.Int64()
		return i, err == nil && i >= 0
	}
	var s string
	if err := json.Unmarshal(value, &s); err != nil {
		return 0, false
	}
	s = strings.TrimSpace(s)
	end := 0
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	i, err := strconv.ParseInt(s[:end], 10, 64)
	return i, err == nil
}
