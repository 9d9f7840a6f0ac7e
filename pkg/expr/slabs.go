package expr

import "sync"

// nodeSlabs hands out the parser's most common nodes from chunks, so that
// parsing an expression costs a fraction of an allocation per node instead
// of one each. A process checks every rule's expression once (300 on
// issue 12's file) and keeps every tree (Parse's memory): allocations count
// twice there, in malloc's CPU and in page faults for fresh heap
// (docs/performance.md, "Against start-up: the 300-rule file").
//
// A tree keeps its chunks alive; trees are never changed once built, so
// nodes of different trees may share a chunk. A nodeSlabs is used by one
// parse at a time (slabPool) and keeps only the unused ends of its chunks.
type nodeSlabs struct {
	binaries []Binary
	compares []Compare
	fields   []Field
	calls    []Call
	strs     []StringLit
	sets     []Set
	parens   []Paren
	lists    []Expr // backing arrays of Call.Args and Set.Elems
}

var slabPool = sync.Pool{New: func() any { return new(nodeSlabs) }}

// Chunks start small, so that a file of one rule pays little more than it
// did with one allocation per node, and double up to maxChunk.
const (
	minChunk = 8
	maxChunk = 128
)

func chunkCap(old int) int { return min(max(2*old, minChunk), maxChunk) }

// slabNew returns a zeroed T from the chunk *s, starting a new chunk when it
// is full.
func slabNew[T any](s *[]T) *T {
	if len(*s) == cap(*s) {
		*s = make([]T, 0, chunkCap(cap(*s)))
	}
	*s = (*s)[:len(*s)+1]
	return &(*s)[len(*s)-1]
}

// list copies xs (the parser's scratch) into the lists chunk. The result's
// capacity is its length, so appending to it copies rather than writing
// over the next list.
func (a *nodeSlabs) list(xs []Expr) []Expr {
	if len(xs) == 0 {
		return nil
	}
	if len(xs) > cap(a.lists)-len(a.lists) {
		if len(xs) > maxChunk/4 {
			return append([]Expr(nil), xs...)
		}
		a.lists = make([]Expr, 0, max(chunkCap(cap(a.lists)), len(xs)))
	}
	n := len(a.lists)
	a.lists = append(a.lists, xs...)
	return a.lists[n:len(a.lists):len(a.lists)]
}

// rewind gives back every node cut from the slabs since mark, a copy of
// them taken before a parse whose tree is no longer used
// (CheckExpressionWith with Options.Once): 300 rules then need the nodes of
// one expression instead of 150 kB.
func (a *nodeSlabs) rewind(mark nodeSlabs) {
	rewindChunk(&a.binaries, mark.binaries)
	rewindChunk(&a.compares, mark.compares)
	rewindChunk(&a.fields, mark.fields)
	rewindChunk(&a.calls, mark.calls)
	rewindChunk(&a.strs, mark.strs)
	rewindChunk(&a.sets, mark.sets)
	rewindChunk(&a.parens, mark.parens)
	rewindChunk(&a.lists, mark.lists)
}

// rewindChunk sets the chunk *s back to its length at mark, clearing what
// was cut from it since (slabNew hands out zeroed nodes). A chunk started
// since mark holds nothing older, and is emptied.
func rewindChunk[T any](s *[]T, mark []T) {
	n := 0
	if cap(mark) > 0 && cap(*s) > 0 && &mark[:1][0] == &(*s)[:1][0] {
		n = len(mark)
	}
	clear((*s)[n:])
	*s = (*s)[:n]
}
