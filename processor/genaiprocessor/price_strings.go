package genaiprocessor

import (
	"sync"
	"unsafe"
)

// stringBlockSize is the size of the blocks that stringArena copies strings
// into. A retained span string keeps its whole block alive, so the size
// trades allocations per span against memory held by long-lived spans.
const stringBlockSize = 4 << 10

// stringArena copies short byte strings into shared blocks and returns them
// as strings, so that writing a cost-details string onto a span does not
// allocate each time. The bytes of a returned string are never written
// again: the arena only appends past them, and a full block is dropped and
// collected once no span refers to it.
type stringArena struct {
	mu    sync.Mutex
	block []byte
}

// String returns a string with the content of b. Strings longer than a
// quarter block get their own allocation.
func (a *stringArena) String(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > stringBlockSize/4 {
		return string(b)
	}

	a.mu.Lock()
	if cap(a.block)-len(a.block) < len(b) {
		a.block = make([]byte, 0, stringBlockSize)
	}
	start := len(a.block)
	a.block = append(a.block, b...)
	s := unsafe.String(&a.block[start], len(b))
	a.mu.Unlock()
	return s
}
