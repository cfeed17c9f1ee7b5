package genai

import (
	"encoding/json"
	"strings"
	"unsafe"
)

// The helpers in this file walk the top level of small JSON objects and
// arrays (metadata, cost details, tag lists) and return substrings of the
// input, so reading them allocates only for strings with escapes.

// validJSON reports whether s is valid JSON without copying it.
func validJSON(s string) bool {
	// json.Valid only reads its argument, so viewing the string's bytes
	// as a slice is safe.
	return json.Valid(unsafe.Slice(unsafe.StringData(s), len(s)))
}

// forEachJSONMember calls fn with each top-level member of the JSON object
// in s: the key unquoted, and the value as JSON text. It returns false,
// without calling fn, when s is not a valid JSON object.
func forEachJSONMember(s string, fn func(key, value string)) bool {
	s = strings.TrimSpace(s)
	if len(s) < 2 || s[0] != '{' || !validJSON(s) {
		return false
	}
	i := skipJSONSpace(s, 1)
	for i < len(s) && s[i] != '}' {
		keyEnd := skipJSONValue(s, i)
		key := jsonStringText(s[i:keyEnd])
		i = skipJSONSpace(s, keyEnd)
		i = skipJSONSpace(s, i+1) // the colon
		valueEnd := skipJSONValue(s, i)
		fn(key, s[i:valueEnd])
		i = skipJSONSpace(s, valueEnd)
		if i < len(s) && s[i] == ',' {
			i = skipJSONSpace(s, i+1)
		}
	}
	return true
}

// forEachJSONItem calls fn with each item of the JSON array in s, as JSON
// text. It returns false, without calling fn, when s is not a valid JSON
// array.
func forEachJSONItem(s string, fn func(item string)) bool {
	s = strings.TrimSpace(s)
	if len(s) < 2 || s[0] != '[' || !validJSON(s) {
		return false
	}
	i := skipJSONSpace(s, 1)
	for i < len(s) && s[i] != ']' {
		end := skipJSONValue(s, i)
		fn(s[i:end])
		i = skipJSONSpace(s, end)
		if i < len(s) && s[i] == ',' {
			i = skipJSONSpace(s, i+1)
		}
	}
	return true
}

func skipJSONSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// skipJSONValue returns the index after the JSON value that starts at i.
// The input must be valid JSON.
func skipJSONValue(s string, i int) int {
	if i >= len(s) {
		return i
	}
	switch s[i] {
	case '"':
		return skipJSONString(s, i)
	case '{', '[':
		depth := 0
		for i < len(s) {
			switch s[i] {
			case '"':
				i = skipJSONString(s, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	}
	for i < len(s) && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ' &&
		s[i] != '\t' && s[i] != '\n' && s[i] != '\r' {
		i++
	}
	return i
}

// skipJSONString returns the index after the string that starts at i.
func skipJSONString(s string, i int) int {
	for i++; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return i
}

// jsonStringText returns a JSON value as text: a string without its quotes
// (a substring unless it has escapes), any other value as it is.
func jsonStringText(value string) string {
	if len(value) < 2 || value[0] != '"' {
		return value
	}
	inner := value[1 : len(value)-1]
	if strings.IndexByte(inner, '\\') < 0 {
		return inner
	}
	var out string
	if err := json.Unmarshal([]byte(value), &out); err != nil {
		return inner
	}
	return out
}
