package stdlib

import (
	"strconv"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// os.date and os.getenv as LuaJIT's, which hand the format to C's strftime
// (C locale) and read the environment as it is (see env.go). gopher-lua's os.date knows
// a subset of the formats (no %j; %a printed "mon"), its "*t" has no yday,
// and its os.getenv returned nil for a variable set to "".

func openOS(L *lua.LState) {
	if o, ok := L.GetGlobal("os").(*lua.LTable); ok {
		o.RawSetString("date", L.NewFunction(osDate))
		o.RawSetString("getenv", L.NewFunction(osGetenv))
	}
}

func osDate(L *lua.LState) int {
	format := "%c"
	if L.Get(1) != lua.LNil {
		format = checkString(L, 1)
	}
	t := time.Now()
	if L.Get(2) != lua.LNil {
		t = time.Unix(toInt64(checkNumber(L, 2)), 0)
	}
	utc := len(format) > 0 && format[0] == '!'
	if utc {
		format = format[1:]
		t = t.UTC()
	} else {
		t = t.Local()
	}
	if len(format) >= 2 && format[:2] == "*t" {
		tb := L.CreateTable(0, 9)
		for _, f := range []struct {
			k string
			v int
		}{{"year", t.Year()}, {"month", int(t.Month())}, {"day", t.Day()}, {"hour", t.Hour()},
			{"min", t.Minute()}, {"sec", t.Second()}, {"wday", int(t.Weekday()) + 1}, {"yday", t.YearDay()}} {
			tb.RawSetString(f.k, lua.LNumber(f.v))
		}
		tb.RawSetString("isdst", lua.LBool(!utc && t.IsDST()))
		L.Push(tb)
		return 1
	}
	L.Push(lua.LString(strftime(nil, t, utc, format)))
	return 1
}

var (
	weekdays = [...]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	months   = [...]string{"January", "February", "March", "April", "May", "June", "July",
		"August", "September", "October", "November", "December"}
)

// strftime appends t formatted as C's strftime does in the C locale. The E
// and O modifiers are accepted and ignored; an unknown conversion is copied
// as it is.
func strftime(b []byte, t time.Time, utc bool, f string) []byte {
	num := func(b []byte, v, width int, pad byte) []byte {
		s := strconv.Itoa(v)
		for i := len(s); i < width; i++ {
			b = append(b, pad)
		}
		return append(b, s...)
	}
	hour12 := func() int {
		if h := t.Hour() % 12; h != 0 {
			return h
		}
		return 12
	}
	yday, wday := t.YearDay()-1, int(t.Weekday())
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c != '%' || i+1 == len(f) {
			b = append(b, c)
			continue
		}
		i++
		if (f[i] == 'E' || f[i] == 'O') && i+1 < len(f) {
			i++
		}
		switch f[i] {
		case 'a':
			b = append(b, weekdays[wday][:3]...)
		case 'A':
			b = append(b, weekdays[wday]...)
		case 'b', 'h':
			b = append(b, months[t.Month()-1][:3]...)
		case 'B':
			b = append(b, months[t.Month()-1]...)
		case 'c':
			b = strftime(b, t, utc, "%a %b %e %H:%M:%S %Y")
		case 'C':
			b = num(b, t.Year()/100, 2, '0')
		case 'd':
			b = num(b, t.Day(), 2, '0')
		case 'D', 'x':
			b = strftime(b, t, utc, "%m/%d/%y")
		case 'e':
			b = num(b, t.Day(), 2, ' ')
		case 'F':
			b = strftime(b, t, utc, "%Y-%m-%d")
		case 'g':
			y, _ := t.ISOWeek()
			b = num(b, y%100, 2, '0')
		case 'G':
			y, _ := t.ISOWeek()
			b = num(b, y, 1, '0')
		case 'H':
			b = num(b, t.Hour(), 2, '0')
		case 'I':
			b = num(b, hour12(), 2, '0')
		case 'j':
			b = num(b, yday+1, 3, '0')
		case 'k':
			b = num(b, t.Hour(), 2, ' ')
		case 'l':
			b = num(b, hour12(), 2, ' ')
		case 'm':
			b = num(b, int(t.Month()), 2, '0')
		case 'M':
			b = num(b, t.Minute(), 2, '0')
		case 'n':
			b = append(b, '\n')
		case 'p':
			if t.Hour() < 12 {
				b = append(b, "AM"...)
			} else {
				b = append(b, "PM"...)
			}
		case 'r':
			b = strftime(b, t, utc, "%I:%M:%S %p")
		case 'R':
			b = strftime(b, t, utc, "%H:%M")
		case 's':
			b = strconv.AppendInt(b, t.Unix(), 10)
		case 'S':
			b = num(b, t.Second(), 2, '0')
		case 't':
			b = append(b, '\t')
		case 'T', 'X':
			b = strftime(b, t, utc, "%H:%M:%S")
		case 'u':
			b = num(b, (wday+6)%7+1, 1, '0')
		case 'U':
			b = num(b, (yday+7-wday)/7, 2, '0')
		case 'V':
			_, w := t.ISOWeek()
			b = num(b, w, 2, '0')
		case 'w':
			b = num(b, wday, 1, '0')
		case 'W':
			b = num(b, (yday+7-(wday+6)%7)/7, 2, '0')
		case 'y':
			b = num(b, t.Year()%100, 2, '0')
		case 'Y':
			b = num(b, t.Year(), 1, '0')
		case 'z':
			_, off := t.Zone()
			sign := byte('+')
			if off < 0 {
				sign, off = '-', -off
			}
			b = append(b, sign)
			b = num(b, off/3600*100+off%3600/60, 4, '0')
		case 'Z':
			if utc {
				b = append(b, "GMT"...)
			} else {
				name, _ := t.Zone()
				b = append(b, name...)
			}
		case '%':
			b = append(b, '%')
		default:
			b = append(b, '%', f[i])
		}
	}
	return b
}
