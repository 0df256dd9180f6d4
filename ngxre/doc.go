// Package ngxre compiles and runs PCRE patterns the way OpenResty's ngx.re API
// does, on top of github.com/dlclark/regexp2. It knows nothing of Lua.
//
// A pattern is first translated from PCRE syntax into the .NET syntax that
// regexp2 understands (see translate.go). The translation gives PCRE's group
// numbering (named groups are numbered in order with unnamed ones), PCRE's
// ASCII-only \d \w \s \b (PCRE is built without UCP in OpenResty, even with
// the "u" option), possessive quantifiers (as atomic groups), \Q...\E, \x{..},
// \h \v \R \N, POSIX classes and named back references.
//
// Subjects are matched as bytes unless the "u" or "U" option is given: each
// byte becomes one rune, bytes 0x80-0xff are moved to the private-use runes
// U+F780-U+F7FF so that regexp2 gives them no case folding and no word or
// space class, exactly like PCRE without UTF-8. With "u" the subject must be
// valid UTF-8 (else "pcre_exec() failed: -10", as OpenResty) and rune offsets
// are mapped back to byte offsets.
//
// Gaps, each reported as an error instead of a silent difference:
// \K, recursion and subroutine calls, (?|...), backtracking verbs, \X, \C,
// script names in \p{..}, the "d" (DFA) and "J" (JavaScript) options.
// Known silent differences: compile error texts come from regexp2 for errors
// the translator does not detect itself (the "at" offset is then omitted);
// lookbehind of variable length is accepted (PCRE rejects it); the PCRE match
// limit is approximated by a time budget (see Options.MatchLimit).
package ngxre
