package ngxre

// Options are the parsed OpenResty regex option letters.
type Options struct {
	Caseless    bool // i
	Multiline   bool // m
	Dotall      bool // s
	Extended    bool // x
	UTF8        bool // u (or U)
	NoUTF8Check bool // U: UTF-8 without validity check of the subject
	Anchored    bool // a
	DFA         bool // d: not supported by goresty, Compile fails
	DupNames    bool // D
	JSCompat    bool // J: not supported by goresty, Compile fails
	JIT         bool // j: no effect on matching
	Once        bool // o: cache the compiled regex
}

// OptionError is an unknown option letter. OpenResty raises it as a Lua error.
type OptionError struct {
	Flag  byte
	Flags string
}

// Error returns OpenResty's text: unknown flag "z" (flags "z").
func (e *OptionError) Error() string {
	return `unknown flag "` + string([]byte{e.Flag}) + `" (flags "` + e.Flags + `")`
}

// ParseOptions parses OpenResty option letters such as "jo" or "iu".
func ParseOptions(flags string) (Options, error) {
	var o Options
	for i := 0; i < len(flags); i++ {
		switch flags[i] {
		case 'i':
			o.Caseless = true
		case 'm':
			o.Multiline = true
		case 's':
			o.Dotall = true
		case 'x':
			o.Extended = true
		case 'u':
			o.UTF8 = true
		case 'U':
			o.UTF8, o.NoUTF8Check = true, true
		case 'a':
			o.Anchored = true
		case 'd':
			o.DFA = true
		case 'D':
			o.DupNames = true
		case 'J':
			o.JSCompat = true
		case 'j':
			o.JIT = true
		case 'o':
			o.Once = true
		default:
			return Options{}, &OptionError{Flag: flags[i], Flags: flags}
		}
	}
	return o, nil
}
