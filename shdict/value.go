package shdict

import "errors"

// Errors returned by Dict operations. Their texts are OpenResty's, so the Lua
// bindings can return err.Error() unchanged.
var (
	ErrExists    = errors.New("exists")
	ErrNotFound  = errors.New("not found")
	ErrNotNumber = errors.New("not a number")
	ErrNoMemory  = errors.New("no memory")
	ErrNotList   = errors.New("value not a list")
	ErrIsList    = errors.New("value is a list")
	ErrBadValue  = errors.New("bad value type")
)

// Kind is the type of a stored value.
type Kind uint8

// The kinds of value a dict holds. KindNil is the zero Value (absent).
const (
	KindNil Kind = iota
	KindString
	KindNumber
	KindBool
	KindList
)

// Value is a dict value: a string, a float64 number or a bool. List items are
// reached through the list operations only.
type Value struct {
	Kind Kind
	Str  string
	Num  float64
	Bool bool
}

// String returns a string Value.
func String(s string) Value { return Value{Kind: KindString, Str: s} }

// Number returns a number Value.
func Number(f float64) Value { return Value{Kind: KindNumber, Num: f} }

// Bool returns a boolean Value.
func Bool(b bool) Value { return Value{Kind: KindBool, Bool: b} }

// size is how many bytes nginx stores for the value.
func (v Value) size() int {
	switch v.Kind {
	case KindString:
		return len(v.Str)
	case KindNumber:
		return 8
	case KindBool:
		return 1
	}
	return 0
}
