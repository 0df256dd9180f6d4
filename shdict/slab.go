package shdict

import "errors"

// The memory model below mirrors nginx's slab allocator (src/core/ngx_slab.c)
// closely enough that a zone of a given size holds the same number of items as
// it does in OpenResty: the zone is cut into 4 KiB pages after a header, small
// allocations are rounded up to a power of two (8 … 2048 bytes) and packed into
// pages of their size class, larger ones take whole pages. Only counts are
// tracked; no bytes are stored here.

const (
	pageSize    = 4096
	pageShift   = 12
	minShift    = 3                    // smallest chunk: 8 bytes
	maxSlotSize = pageSize / 2         // larger requests take whole pages
	numClasses  = pageShift - minShift // 8, 16, …, 2048
	exactShift  = 6                    // chunks of 64 bytes keep their bitmap outside the page
	pageDescSz  = 24                   // sizeof(ngx_slab_page_t) on 64-bit
	poolHeader  = 712                  // sizeof(ngx_slab_pool_t) + slots + stats on 64-bit
	// nodeOverhead is offsetof(ngx_rbtree_node_t, color) +
	// offsetof(ngx_http_lua_shdict_node_t, data): what every item costs on top
	// of its key and value.
	nodeOverhead = 32 + 36
	// listNodeOverhead is offsetof(ngx_http_lua_shdict_list_node_t, data).
	listNodeOverhead = 21
	queueSize        = 16 // sizeof(ngx_queue_t)
	shctxSize        = 80 // sizeof(ngx_http_lua_shdict_shctx_t)
)

// ErrSlabInit is returned when the zone is too small to hold nginx's own
// bookkeeping; nginx logs the same text at [crit] and refuses to start.
var ErrSlabInit = errors.New("ngx_slab_alloc() failed: no memory")

// page is one 4 KiB page given to a size class.
type page struct {
	class      int8
	used, cap  int32
	prev, next *page // links in the class's list of pages with free chunks
	listed     bool
}

// chunk is what an allocation returns: the page of a small chunk, or the
// number of whole pages of a large one.
type chunk struct {
	pg    *page
	pages int32
}

// slab accounts allocations in a zone.
type slab struct {
	freePages int64
	partial   [numClasses]*page // head of each class's list of pages with room
}

// zonePages is how many pages ngx_slab_init carves out of a zone of size bytes.
func zonePages(size int64) int64 {
	if size <= poolHeader {
		return 0
	}
	pages := (size - poolHeader) / (pageSize + pageDescSz)
	start := poolHeader + pages*pageDescSz
	start = (start + pageSize - 1) &^ (pageSize - 1)
	if fit := (size - start) / pageSize; fit < pages {
		pages = fit
	}
	if pages < 0 {
		return 0
	}
	return pages
}

func newSlab(size int64) *slab {
	return &slab{freePages: zonePages(size)}
}

// classOf returns the size class (0 for 8 bytes) of a small request.
func classOf(n int) int8 {
	c := int8(0)
	for s := 1 << minShift; s < n; s <<= 1 {
		c++
	}
	return c
}

// chunksPerPage is how many chunks of a class a page holds, less the chunks
// that the page's own bitmap occupies for the smallest classes.
func chunksPerPage(class int8) int32 {
	shift := uint(class) + minShift
	n := int32(pageSize >> shift)
	if shift < exactShift {
		bitmap := n / 8
		size := int32(1) << shift
		n -= (bitmap + size - 1) / size
	}
	return n
}

// alloc reserves n bytes; ok is false when the zone has no room.
func (s *slab) alloc(n int) (chunk, bool) {
	if n > maxSlotSize {
		pages := int32((n + pageSize - 1) / pageSize)
		if int64(pages) > s.freePages {
			return chunk{}, false
		}
		s.freePages -= int64(pages)
		return chunk{pages: pages}, true
	}
	c := classOf(n)
	pg := s.partial[c]
	if pg == nil {
		if s.freePages == 0 {
			return chunk{}, false
		}
		s.freePages--
		pg = &page{class: c, cap: chunksPerPage(c)}
		s.link(pg)
	}
	pg.used++
	if pg.used == pg.cap {
		s.unlink(pg)
	}
	return chunk{pg: pg}, true
}

// free releases a chunk returned by alloc.
func (s *slab) free(ch chunk) {
	if ch.pg == nil {
		s.freePages += int64(ch.pages)
		return
	}
	pg := ch.pg
	pg.used--
	switch {
	case pg.used == 0:
		if pg.listed {
			s.unlink(pg)
		}
		s.freePages++
	case !pg.listed:
		s.link(pg)
	}
}

func (s *slab) link(pg *page) {
	pg.prev, pg.next = nil, s.partial[pg.class]
	if pg.next != nil {
		pg.next.prev = pg
	}
	s.partial[pg.class] = pg
	pg.listed = true
}

func (s *slab) unlink(pg *page) {
	if pg.prev != nil {
		pg.prev.next = pg.next
	} else {
		s.partial[pg.class] = pg.next
	}
	if pg.next != nil {
		pg.next.prev = pg.prev
	}
	pg.prev, pg.next, pg.listed = nil, nil, false
}

// nodeSize is the allocation of an item with the given key and value sizes.
func nodeSize(keyLen, valueLen int) int { return nodeOverhead + keyLen + valueLen }

// listHeadSize is the allocation of a list item (key plus list head).
func listHeadSize(keyLen int) int { return (nodeOverhead + keyLen + queueSize + 7) &^ 7 }

// listElemSize is the allocation of one list element.
func listElemSize(valueLen int) int { return listNodeOverhead + valueLen }
