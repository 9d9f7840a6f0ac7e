package purge

import (
	"hash/maphash"
	"math/bits"
	"strings"
)

// Deduper drops exact duplicates. It keeps a 128-bit hash of each normalised
// item rather than the item itself, so a million URLs cost about 27 MB
// whatever the strings' size; two independent 64-bit maphash seeds make a
// false "duplicate" vanishingly unlikely (about n²/2¹²⁹).
//
// Normalisation: tags compare case-insensitively; URLs after lower-casing
// scheme and host and dropping a default port (:80 for http, :443 for
// https); prefixes and hosts after lower-casing the host. Paths, queries and
// header values compare exactly.
type Deduper struct {
	kind  Kind
	seeds [2]maphash.Seed
	seen  hashSet
	buf   []byte // reused normalisation buffer
}

// NewDeduper returns an empty Deduper for items of kind.
func NewDeduper(kind Kind) *Deduper {
	return &Deduper{
		kind:  kind,
		seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()},
	}
}

// Add records an item (a validated value, and for URLs its own headers) and
// reports whether it was new.
func (d *Deduper) Add(value string, headers []Header) bool {
	b := d.normalize(d.buf[:0], value)
	for _, h := range headers {
		// A separator byte that cannot occur in a URL or header keeps
		// "a"+"bc" and "ab"+"c" apart.
		b = append(b, 0)
		b = appendLower(b, h.Name)
		b = append(b, 0)
		b = append(b, h.Value...)
	}
	d.buf = b
	return d.seen.add([2]uint64{maphash.Bytes(d.seeds[0], b), maphash.Bytes(d.seeds[1], b)})
}

// Len is the number of distinct items seen.
func (d *Deduper) Len() int { return d.seen.n }

// hashSet is a set of 128-bit hashes: 256 open-addressing shards (linear
// probing) growing by half each time. A Go map of [2]uint64 costs ~55 bytes
// per key at a million keys; this costs ~27 (16-byte slots at 50–75% load),
// and because each shard grows on its own the garbage left by growth stays
// small, which is what keeps a million-URL dry run far below 100 MB.
type hashSet struct {
	shards [256]hashShard
	n      int
}

type hashShard struct {
	slots [][2]uint64 // {0, 0} marks a free slot
	n     int
}

func (s *hashSet) add(k [2]uint64) bool {
	if k == ([2]uint64{}) {
		k[1] = 1 // {0,0} means "free"; folding it into {0,1} costs nothing
	}
	sh := &s.shards[k[1]>>56]
	if 4*(sh.n+1) > 3*len(sh.slots) {
		sh.grow()
	}
	if !sh.insert(k) {
		return false
	}
	s.n++
	return true
}

func (sh *hashShard) insert(k [2]uint64) bool {
	// Multiply-shift maps the hash onto any table size, so growth need not
	// double.
	hi, _ := bits.Mul64(k[0], uint64(len(sh.slots)))
	for i := int(hi); ; {
		switch sh.slots[i] {
		case [2]uint64{}:
			sh.slots[i] = k
			sh.n++
			return true
		case k:
			return false
		}
		if i++; i == len(sh.slots) {
			i = 0
		}
	}
}

func (sh *hashShard) grow() {
	old := sh.slots
	sh.slots = make([][2]uint64, max(64, len(old)+len(old)/2))
	sh.n = 0
	for _, k := range old {
		if k != ([2]uint64{}) {
			sh.insert(k)
		}
	}
}

func (d *Deduper) normalize(b []byte, s string) []byte {
	switch d.kind {
	case KindTag:
		return appendLower(b, s)
	case KindPrefix, KindHost:
		end := strings.IndexByte(s, '/')
		if end < 0 {
			end = len(s)
		}
		return append(appendLower(b, s[:end]), s[end:]...)
	case KindURL:
		i := strings.Index(s, "://")
		if i < 0 {
			return append(b, s...)
		}
		scheme := s[:i]
		rest := s[i+3:]
		end := strings.IndexAny(rest, "/?#")
		if end < 0 {
			end = len(rest)
		}
		host := rest[:end]
		if c := strings.LastIndexByte(host, ':'); c >= 0 && c > strings.LastIndexByte(host, ']') {
			port := host[c+1:]
			if port == "80" && strings.EqualFold(scheme, "http") || port == "443" && strings.EqualFold(scheme, "https") {
				host = host[:c]
			}
		}
		b = appendLower(b, scheme)
		b = append(b, "://"...)
		b = appendLower(b, host)
		return append(b, rest[end:]...)
	}
	return append(b, s...)
}

// appendLower appends s lower-cased (ASCII only: hosts, schemes and tags are
// ASCII by the time they get here).
func appendLower(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}
