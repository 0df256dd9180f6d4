package nginxconf

import (
	"strconv"
	"strings"
)

// dump renders directives compactly for tests: `name "arg" q"quoted";`,
// blocks as `name { ... }` and Lua blocks as `name lua"raw"`.
func dump(ds []*Directive) string {
	var b strings.Builder
	for i, d := range ds {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(d.Name)
		for j, a := range d.Args {
			b.WriteByte(' ')
			if d.Quoted[j] {
				b.WriteByte('q')
			}
			b.WriteString(strconv.Quote(a))
		}
		switch {
		case d.Lua != nil:
			b.WriteString(" lua" + strconv.Quote(*d.Lua))
		case d.Block != nil:
			b.WriteString(" {")
			if len(d.Block) > 0 {
				b.WriteString(" " + dump(d.Block))
			}
			b.WriteString(" }")
		default:
			b.WriteByte(';')
		}
	}
	return b.String()
}
