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
// again: a block is only appended to past them, and a full block is dropped
// and collected once no span refers to it. Blocks are held in a sync.Pool,
// so concurrent callers each append to a block of their own.
type stringArena struct {
	blocks sync.Pool
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

	block, _ := a.blocks.Get().(*[]byte)
	if block == nil || cap(*block)-len(*block) < len(b) {
		fresh := make([]byte, 0, stringBlockSize)
		block = &fresh
	}
	start := len(*block)
	*block = append(*block, b...)
	s := unsafe.String(&(*block)[start], len(b))
	a.blocks.Put(block)
	return s
}
