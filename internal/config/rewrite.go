package config

import (
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/goresty/goresty/internal/nginxconf"
	"github.com/goresty/goresty/phases"
)

// OpKind is the kind of a rewrite-module instruction.
type OpKind uint8

// Rewrite-module instructions.
const (
	OpSet OpKind = iota
	OpRewrite
	OpReturn
	OpIf
	OpBreak
	OpHandler // a module handler run in the script's place (set_by_lua)
)

// Op is one rewrite-module instruction of a server or location.
type Op struct {
	Kind OpKind
	Var  *phases.Var
	Val  *phases.Value
	// rewrite
	Re   *regexp.Regexp
	Repl *phases.Value
	Flag string // "last", "break", "redirect", "permanent", ""
	// DropArgs: the replacement ends with "?", the original arguments are dropped.
	DropArgs bool
	Redir    bool // the replacement starts with http://, https://, $scheme
	// return
	Code int
	// if
	Cond *Cond
	Loc  *Location
	// handler
	Handler interface {
		Run(r *phases.Request) (string, error)
	}
	File string
	Line int
}

// Cond is an "if" condition.
type Cond struct {
	Var    *phases.Value // the operand
	Op     string        // "", "=", "!=", "~", "~*", "!~", "!~*", "-f", "!-f", "-d", "!-d", "-e", "!-e", "-x", "!-x"
	Arg    *phases.Value
	Re     *regexp.Regexp
	Negate bool
}

// Eval reports whether the condition holds; regex captures go into r.
func (c *Cond) Eval(r *phases.Request) bool {
	v := c.Var.Eval(r)
	switch c.Op {
	case "":
		return v != "" && v != "0"
	case "=":
		return v == c.Arg.Eval(r)
	case "!=":
		return v != c.Arg.Eval(r)
	case "~", "~*":
		return MatchCaptures(c.Re, v, r)
	case "!~", "!~*":
		return !c.Re.MatchString(v)
	}
	neg := strings.HasPrefix(c.Op, "!")
	st, err := os.Stat(v)
	var ok bool
	switch strings.TrimPrefix(c.Op, "!") {
	case "-f":
		ok = err == nil && st.Mode().IsRegular()
	case "-d":
		ok = err == nil && st.IsDir()
	case "-e":
		ok = err == nil
	case "-x":
		ok = err == nil && st.Mode()&0o111 != 0
	}
	return ok != neg
}

// MatchCaptures matches re against s and, on success, stores the captures
// in r ($1.., named captures) as nginx does.
func MatchCaptures(re *regexp.Regexp, s string, r *phases.Request) bool {
	m := re.FindStringSubmatchIndex(s)
	if m == nil {
		return false
	}
	r.Captures = r.Captures[:0]
	for i := 0; i+1 < len(m); i += 2 {
		if m[i] < 0 {
			r.Captures = append(r.Captures, "")
		} else {
			r.Captures = append(r.Captures, s[m[i]:m[i+1]])
		}
	}
	for i, name := range re.SubexpNames() {
		if name != "" {
			if r.NamedCaps == nil {
				r.NamedCaps = map[string]string{}
			}
			r.NamedCaps[name] = r.Captures[i]
		}
	}
	return true
}

// Regex compiles an nginx (PCRE) regex and declares its named captures as variables.
func (c *Ctx) Regex(d *nginxconf.Directive, pat string, caseless bool) (*regexp.Regexp, error) {
	re, err := CompileRegex(d, pat, caseless)
	if err != nil {
		return nil, err
	}
	for _, n := range re.SubexpNames() {
		if n != "" {
			c.Plan.Vars.DeclareCapture(n)
		}
	}
	return re, nil
}

// CompileRegex compiles an nginx (PCRE) regex; caseless for "~*".
func CompileRegex(d *nginxconf.Directive, pat string, caseless bool) (*regexp.Regexp, error) {
	src := pat
	if caseless {
		src = "(?i)" + src
	}
	re, err := regexp.Compile(src)
	if err != nil {
		return nil, Errorf(d, "%s", pcreError(pat, err))
	}
	return re, nil
}

func (c *Ctx) addOp(op Op, d *nginxconf.Directive) {
	op.File, op.Line = d.File, d.Line
	c.Loc.Script = append(c.Loc.Script, op)
}

func setSet(c *Ctx, d *nginxconf.Directive) error {
	name := d.Args[0]
	if !strings.HasPrefix(name, "$") {
		return Errorf(d, `invalid variable name "%s"`, name)
	}
	v := c.Plan.Vars.Declare(name[1:])
	val, err := c.Compile(d, d.Args[1])
	if err != nil {
		return err
	}
	c.addOp(Op{Kind: OpSet, Var: v, Val: val}, d)
	return nil
}

func setReturn(c *Ctx, d *nginxconf.Directive) error {
	code, err := strconv.Atoi(d.Args[0])
	op := Op{Kind: OpReturn}
	if err != nil {
		if len(d.Args) == 2 || !(strings.HasPrefix(d.Args[0], "http://") || strings.HasPrefix(d.Args[0], "https://") || strings.HasPrefix(d.Args[0], "$scheme")) {
			return Errorf(d, `invalid return code "%s"`, d.Args[0])
		}
		op.Code = 302
		if op.Val, err = c.Compile(d, d.Args[0]); err != nil {
			return err
		}
		c.addOp(op, d)
		return nil
	}
	if code < 0 || code > 999 {
		return Errorf(d, `invalid return code "%s"`, d.Args[0])
	}
	op.Code = code
	if len(d.Args) == 2 {
		if op.Val, err = c.Compile(d, d.Args[1]); err != nil {
			return err
		}
	}
	c.addOp(op, d)
	return nil
}

func setRewrite(c *Ctx, d *nginxconf.Directive) error {
	re, err := c.Regex(d, d.Args[0], false)
	if err != nil {
		return err
	}
	op := Op{Kind: OpRewrite, Re: re}
	repl := d.Args[1]
	if len(d.Args) == 3 {
		switch d.Args[2] {
		case "last", "break", "redirect", "permanent":
			op.Flag = d.Args[2]
		default:
			return Errorf(d, `invalid parameter "%s"`, d.Args[2])
		}
	}
	if strings.HasPrefix(repl, "http://") || strings.HasPrefix(repl, "https://") || strings.HasPrefix(repl, "$scheme") {
		op.Redir = true
		if op.Flag == "" || op.Flag == "last" || op.Flag == "break" {
			if op.Flag == "" {
				op.Flag = "redirect"
			}
		}
	}
	if strings.HasSuffix(repl, "?") {
		op.DropArgs = true
		repl = repl[:len(repl)-1]
	}
	if op.Repl, err = c.Compile(d, repl); err != nil {
		return err
	}
	c.addOp(op, d)
	return nil
}

func setBreak(c *Ctx, d *nginxconf.Directive) error {
	c.addOp(Op{Kind: OpBreak}, d)
	return nil
}

func setIf(c *Ctx, d *nginxconf.Directive) error {
	cond, err := parseCond(c, d)
	if err != nil {
		return err
	}
	kind := CtxLocIf
	if c.Kind == CtxServer || c.Kind == CtxSrvIf {
		kind = CtxSrvIf
	}
	loc := c.Loc.Clone(kind)
	loc.File, loc.Line = d.File, d.Line
	c.addOp(Op{Kind: OpIf, Cond: cond, Loc: loc}, d)
	parent := c.Loc
	c.Defer(func() error {
		// the "if" block starts from its location's complete configuration
		*loc = *parent.Clone(kind)
		loc.File, loc.Line = d.File, d.Line
		return c.Child(kind, loc).Walk(d.Block)
	})
	return nil
}

func parseCond(c *Ctx, d *nginxconf.Directive) (*Cond, error) {
	args := d.Args
	// nginx's parser hands "if (...)" over with the parentheses glued to the words
	if len(args) == 0 || !strings.HasPrefix(args[0], "(") || !strings.HasSuffix(args[len(args)-1], ")") {
		return nil, Errorf(d, `invalid condition "%s"`, strings.Join(args, " "))
	}
	a := append([]string{}, args...)
	a[0] = a[0][1:]
	a[len(a)-1] = a[len(a)-1][:len(a[len(a)-1])-1]
	if a[0] == "" {
		a = a[1:]
	}
	if len(a) > 0 && a[len(a)-1] == "" {
		a = a[:len(a)-1]
	}
	cond := &Cond{}
	var err error
	switch len(a) {
	case 1:
		if cond.Var, err = c.Compile(d, a[0]); err != nil {
			return nil, err
		}
	case 2:
		switch a[0] {
		case "-f", "!-f", "-d", "!-d", "-e", "!-e", "-x", "!-x":
		default:
			return nil, Errorf(d, `invalid condition "%s"`, a[0])
		}
		cond.Op = a[0]
		if cond.Var, err = c.Compile(d, a[1]); err != nil {
			return nil, err
		}
	case 3:
		cond.Op = a[1]
		if cond.Var, err = c.Compile(d, a[0]); err != nil {
			return nil, err
		}
		switch a[1] {
		case "=", "!=":
			if cond.Arg, err = c.Compile(d, a[2]); err != nil {
				return nil, err
			}
		case "~", "~*", "!~", "!~*":
			if cond.Re, err = c.Regex(d, a[2], strings.HasSuffix(a[1], "*")); err != nil {
				return nil, err
			}
		default:
			return nil, Errorf(d, `unexpected "%s" in condition`, a[1])
		}
	default:
		return nil, Errorf(d, `invalid condition "%s"`, strings.Join(args, " "))
	}
	return cond, nil
}
