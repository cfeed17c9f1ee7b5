package genai

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestForEachJSONMember(t *testing.T) {
	tests := []struct {
		name string
		text string
		want map[string]string
		ok   bool
	}{
		{"flat", `{"a":"x","b":2,"c":true,"d":null}`, map[string]string{"a": "x", "b": "2", "c": "true", "d": "null"}, true},
		{"nested", ` { "o" : {"k":[1,{"z":"}"}]}, "s":"q\"uote" } `,
			map[string]string{"o": `{"k":[1,{"z":"}"}]}`, "s": `q"uote`}, true},
		{"escaped key", `{"a\u0062":1}`, map[string]string{"ab": "1"}, true},
		{"empty", `{}`, map[string]string{}, true},
		{"array", `[1]`, map[string]string{}, false},
		{"truncated", `{"a":`, map[string]string{}, false},
		{"trailing garbage", `{"a":1}x`, map[string]string{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := map[string]string{}
			ok := forEachJSONMember(tt.text, func(k, v string) { got[k] = jsonStringText(v) })
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestForEachJSONItem(t *testing.T) {
	var items []string
	ok := forEachJSONItem(`["a", 1, {"b":[2]}, "c\\d"]`, func(item string) {
		items = append(items, jsonStringText(item))
	})
	assert.True(t, ok)
	assert.Equal(t, []string{"a", "1", `{"b":[2]}`, `c\d`}, items)
	assert.False(t, forEachJSONItem(`["a",`, func(string) { t.Fatal("called on invalid JSON") }))
}
