package genaiprocessor

import (
	"sync"
	"unsafe"
)

// stringBlockSize is the size of the blocks that stringArena hands out. A
// retained span string keeps its whole block alive, so the size trades
// allocations per span against memory held by long-lived spans.
const stringBlockSize = 4 << 10

// stringArena holds blocks that short strings are written into, so that
// writing a cost-details string onto a span does not allocate each time.
// The bytes of a string are never written again: a block is only appended
// to past them, and a full block is dropped and collected once no span
// refers to it. A batch takes one block from the pool, writes its strings
// through a textWriter and gives the block back, so concurrent batches each
// append to a block of their own.
type stringArena struct {
	blocks sync.Pool
}

// textWriter writes the strings of one batch into blocks of an arena. Its
// zero value holds no block; release gives the block back.
type textWriter struct {
	arena *stringArena
	block *[]byte
}

// begin returns the writer's block, with at least n free bytes after its
// length, and that length. The caller appends at most n bytes to it and
// passes the result to end.
func (w *textWriter) begin(arena *stringArena, n int) ([]byte, int) {
	if w.block == nil {
		w.arena = arena
		w.block, _ = arena.blocks.Get().(*[]byte)
	}
	if w.block == nil || cap(*w.block)-len(*w.block) < n {
		// A full block stays with the strings written into it.
		fresh := make([]byte, 0, max(stringBlockSize, n))
		w.block = &fresh
	}
	return *w.block, len(*w.block)
}

// end keeps buf, which begin returned with bytes appended, as the block and
// returns the bytes from start as a string that shares the block's memory.
func (w *textWriter) end(buf []byte, start int) string {
	*w.block = buf
	if len(buf) == start {
		return ""
	}
	return unsafe.String(&buf[start], len(buf)-start)
}

// release gives the block back to the arena for the next batch.
func (w *textWriter) release() {
	if w.block != nil {
		w.arena.blocks.Put(w.block)
		w.block = nil
	}
}
