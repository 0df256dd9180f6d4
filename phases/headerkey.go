package phases

import "net/textproto"

// CanonicalHeaderKey is textproto.CanonicalMIMEHeaderKey without its cost
// for a name already in canonical form (upper case at the start and after
// each '-', lower case elsewhere), which is how clients and handlers
// mostly spell them: the name itself is the answer then.
func CanonicalHeaderKey(name string) string {
	upper := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		if upper && 'a' <= c && c <= 'z' || !upper && 'A' <= c && c <= 'Z' {
			return textproto.CanonicalMIMEHeaderKey(name)
		}
		upper = c == '-'
	}
	return name
}
