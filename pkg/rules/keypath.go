package rules

import (
	"strconv"
	"strings"
)

// keyPath names the place a check looks at, such as
// rules[3].action_parameters.edge_ttl.default, without building its string:
// almost every check finds nothing, and building every key's path up front
// was the largest allocation of validating a 300-rule file
// (docs/performance.md, "Against start-up"). A keyPath points at its
// parent, which lives in a caller's frame, so it is only valid while the
// check that made it runs; the string is built when a problem is reported.
type keyPath struct {
	up    *keyPath
	key   string // the key (the root's name), unless item
	index int    // the list index, if item
	item  bool
}

// rootPath is the path of a top-level key, written without a dot.
func rootPath(key string) keyPath { return keyPath{key: key} }

// dot is the path of key inside p: p.key, as joinPath writes it.
func (p *keyPath) dot(key string) keyPath { return keyPath{up: p, key: key} }

// at is the path of item i of the list at p: p[i].
func (p *keyPath) at(i int) keyPath { return keyPath{up: p, index: i, item: true} }

func (p *keyPath) String() string {
	var b strings.Builder
	p.write(&b)
	return b.String()
}

func (p *keyPath) write(b *strings.Builder) {
	if p.up != nil {
		p.up.write(b)
	}
	switch {
	case p.item:
		b.WriteByte('[')
		b.WriteString(strconv.Itoa(p.index))
		b.WriteByte(']')
	case p.up != nil:
		b.WriteByte('.')
		b.WriteString(p.key)
	default:
		b.WriteString(p.key)
	}
}
