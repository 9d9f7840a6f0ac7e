package rules

// slabs is what the two fast readers (yamlfast.go for rules files, the JSON
// scanner in source.go for the API's answers) share to build Value trees with
// few allocations: repeated keys interned, and each mapping's fields (each
// sequence's items) collected on one stack for the whole tree, then copied
// into an exact-size slice cut from a slab. Growing each small slice by
// append was a fifth of the readers' allocations (docs/performance.md).
type slabs struct {
	keys   map[string]string
	fstack []*Field
	fslab  []*Field
	istack []*Value
	islab  []*Value
	// fhdrs and ihdrs hold the slice headers a mapping's and a sequence's
	// Value points to (see Value.fields), cut like the lists themselves.
	fhdrs [][]*Field
	ihdrs [][]*Value
}

// setFields gives v the fields collected since from; none leaves v's
// fields nil, as an empty mapping always read.
func (s *slabs) setFields(v *Value, from int) {
	list := s.fieldList(from)
	if list == nil {
		return
	}
	if len(s.fhdrs) == 0 {
		s.fhdrs = make([][]*Field, 64)
	}
	v.fields = &s.fhdrs[0]
	s.fhdrs = s.fhdrs[1:]
	*v.fields = list
}

// setItems gives v the items collected since from, like setFields.
func (s *slabs) setItems(v *Value, from int) {
	list := s.itemList(from)
	if list == nil {
		return
	}
	if len(s.ihdrs) == 0 {
		s.ihdrs = make([][]*Value, 32)
	}
	v.items = &s.ihdrs[0]
	s.ihdrs = s.ihdrs[1:]
	*v.items = list
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
	if k, ok := s.keys[string(b)]; ok {
		return k
	}
	return s.intern(string(b))
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
