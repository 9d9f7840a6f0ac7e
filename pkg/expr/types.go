package expr

import (
	"fmt"
	"strings"
)

// Kind is the kind of a Rules-language type.
type Kind uint8

// Kinds. Bytes and String are the same kind of value in Cloudflare's engine
// (byte strings); Bytes is kept to name fields the way the field table does.
const (
	KindInvalid Kind = iota
	KindBool
	KindInt
	KindString
	KindBytes
	KindIP
	KindArray
	KindMap
)

// Type is a Rules-language type such as String or Map<Array<String>>.
type Type struct {
	Kind Kind
	Elem *Type // element type of Array and Map
}

// Basic types. They are values, never modified.
var (
	TBool   = Type{Kind: KindBool}
	TInt    = Type{Kind: KindInt}
	TString = Type{Kind: KindString}
	TBytes  = Type{Kind: KindBytes}
	TIP     = Type{Kind: KindIP}
)

// ArrayOf returns Array<t>.
func ArrayOf(t Type) Type { return Type{Kind: KindArray, Elem: &t} }

// MapOf returns Map<t>.
func MapOf(t Type) Type { return Type{Kind: KindMap, Elem: &t} }

func (t Type) String() string {
	switch t.Kind {
	case KindBool:
		return "Boolean"
	case KindInt:
		return "Integer"
	case KindString:
		return "String"
	case KindBytes:
		return "Bytes"
	case KindIP:
		return "IP address"
	case KindArray:
		return "Array<" + t.elem().String() + ">"
	case KindMap:
		return "Map<" + t.elem().String() + ">"
	}
	return "unknown"
}

func (t Type) elem() Type {
	if t.Elem == nil {
		return Type{}
	}
	return *t.Elem
}

// Equal reports whether two types are the same; String and Bytes are equal.
func (t Type) Equal(u Type) bool {
	if t.isStringy() && u.isStringy() {
		return true
	}
	if t.Kind != u.Kind {
		return false
	}
	if t.Kind == KindArray || t.Kind == KindMap {
		return t.elem().Equal(u.elem())
	}
	return true
}

func (t Type) isStringy() bool { return t.Kind == KindString || t.Kind == KindBytes }

// ParseType reads a type as written in Cloudflare's field table: String,
// Bytes, Boolean, Integer, Number, IP address, Array<…>, Map<…>.
func ParseType(s string) (Type, error) {
	s = strings.TrimSpace(s)
	switch s {
	case "String":
		return TString, nil
	case "Bytes":
		return TBytes, nil
	case "Boolean":
		return TBool, nil
	case "Integer", "Number":
		return TInt, nil
	case "IP address":
		return TIP, nil
	}
	for _, c := range []struct {
		prefix string
		mk     func(Type) Type
	}{{"Array<", ArrayOf}, {"Map<", MapOf}} {
		if strings.HasPrefix(s, c.prefix) && strings.HasSuffix(s, ">") {
			inner, err := ParseType(s[len(c.prefix) : len(s)-1])
			if err != nil {
				return Type{}, err
			}
			return c.mk(inner), nil
		}
	}
	return Type{}, fmt.Errorf("unknown type %q", s)
}
