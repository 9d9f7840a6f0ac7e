package rules

// slabs is what the two fast readers (yamlfast.go for rules files, the JSON
// scanner in source.go for the API's answers) share to build Value trees with
// few allocations: repeated keys interned, and each mapping's fields (each
// sequence's items) collected on one stack for the whole tree, then copied
// into an exact-size slice cut from a slab. Growing each small slice by
// append was a fifth of the readers' allocations (docs/performance.md).
type slabs struct {
	keys map[string]string
	// recent caches keys by a cheap hash of their bytes, so most lookups
	// of the dozen keys a rules file repeats skip the map (a tenth of
	// reading a 300-rule file went to hashing keys for it).
	recent [64]string
	fstack []*Field
	fslab  []*Field
	istack []*Value
	islab  []*Value
}

// intern returns the one copy of key k.
func (s *slabs) intern(k string) string {
	if v, ok := s.keys[k]; ok {
		return v
	}
	if s.keys == nil {
		s.keys = make(map[string]string, 32)
	}
	s.keys[k] = k
	return k
}

// internBytes is intern for a key still in the input's bytes: the lookup
// does not allocate, only a new key is copied.
func (s *slabs) internBytes(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	slot := &s.recent[(len(b)*7+int(b[0])*3+int(b[len(b)/2])+int(b[len(b)-1])*5)%len(s.recent)]
	if *slot == string(b) {
		return *slot
	}
	k, ok := s.keys[string(b)]
	if !ok {
		k = s.intern(string(b))
	}
	*slot = k
	return k
}

// fieldList cuts the fields collected since from into their own slice.
func (s *slabs) fieldList(from int) []*Field {
	n := len(s.fstack) - from
	if n == 0 {
		return nil
	}
	if len(s.fslab) < n {
		s.fslab = make([]*Field, max(n, 256))
	}
	out := s.fslab[:n:n]
	s.fslab = s.fslab[n:]
	copy(out, s.fstack[from:])
	s.fstack = s.fstack[:from]
	return out
}

// itemList cuts the items collected since from into their own slice.
func (s *slabs) itemList(from int) []*Value {
	n := len(s.istack) - from
	if n == 0 {
		return nil
	}
	if len(s.islab) < n {
		s.islab = make([]*Value, max(n, 128))
	}
	out := s.islab[:n:n]
	s.islab = s.islab[n:]
	copy(out, s.istack[from:])
	s.istack = s.istack[:from]
	return out
}
