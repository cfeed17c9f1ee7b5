package genai

import (
	"encoding/json"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// maxFlatSlots caps the array slots one rebuilt value may have, as Langfuse
// does, so that a key such as gen_ai.prompt.999999999.content cannot make
// the reader allocate a huge array.
const maxFlatSlots = 10001

// unflatten rebuilds the JSON value that flattened attributes under prefix
// describe: "p.0.content" and "p.0.role" become [{"content":…,"role":…}]. A
// numeric path segment is an array index. It returns "" when no key has the
// prefix.
func unflatten(attrs pcommon.Map, prefix string, s *spanScan) string {
	if s.usageOnly {
		return ""
	}
	var root any
	slots := 0
	attrs.Range(func(name string, v pcommon.Value) bool {
		if !strings.HasPrefix(name, prefix) {
			return true
		}
		path := strings.Split(name[len(prefix):], ".")
		var ok bool
		root, ok = setPath(root, path, v.AsRaw(), &slots)
		if !ok {
			s.invalid++
		}
		return true
	})
	if root == nil {
		return ""
	}
	b, err := json.Marshal(compact(root))
	if err != nil {
		s.invalid++
		return ""
	}
	return string(b)
}

// setPath stores value at path inside node and returns the updated node. It
// returns false when the path conflicts with an existing value or would
// exceed maxFlatSlots.
func setPath(node any, path []string, value any, slots *int) (any, bool) {
	if len(path) == 0 {
		return value, true
	}
	seg := path[0]
	if idx, err := strconv.Atoi(seg); err == nil && idx >= 0 {
		arr, isArr := node.([]any)
		if node != nil && !isArr {
			return node, false
		}
		if idx >= len(arr) {
			grow := idx + 1 - len(arr)
			if *slots+grow > maxFlatSlots {
				return node, false
			}
			*slots += grow
			arr = append(arr, make([]any, grow)...)
		}
		child, ok := setPath(arr[idx], path[1:], value, slots)
		arr[idx] = child
		return arr, ok
	}

	obj, isObj := node.(map[string]any)
	if node != nil && !isObj {
		return node, false
	}
	if obj == nil {
		obj = make(map[string]any, 2)
	}
	child, ok := setPath(obj[seg], path[1:], value, slots)
	obj[seg] = child
	return obj, ok
}

// compact removes the nil holes that sparse indices leave in arrays.
func compact(node any) any {
	switch n := node.(type) {
	case []any:
		out := n[:0]
		for _, item := range n {
			if item != nil {
				out = append(out, compact(item))
			}
		}
		return out
	case map[string]any:
		for k, v := range n {
			n[k] = compact(v)
		}
	}
	return node
}
