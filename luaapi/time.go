package luaapi

import (
	"strconv"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// The time group: ngx.time, now, today, localtime, utctime, update_time,
// http_time, cookie_time and parse_http_time. As nginx caches the time once
// per event-loop iteration, the worker caches it each time it resumes Lua
// (luavm.Worker.Now): within one run without a wait the time stands still,
// and ngx.update_time refreshes it.

func init() { register(openTime) }

func openTime(a *api) {
	t := a.ngx
	a.fn(t, "time", pAll, a.timeTime)
	a.fn(t, "now", pAll, a.timeNow)
	a.fn(t, "today", pAll, a.timeToday)
	a.fn(t, "localtime", pAll, a.timeLocaltime)
	a.fn(t, "utctime", pAll, a.timeUTCTime)
	a.fn(t, "update_time", pAll, func(L *lua.LState) int {
		a.w.UpdateTime()
		return 0
	})
	a.fn(t, "http_time", pAll, timeHTTPTime)
	a.fn(t, "cookie_time", pAll, timeCookieTime)
	a.fn(t, "parse_http_time", pAll, timeParseHTTPTime)
}

func (a *api) timeTime(L *lua.LState) int {
	L.Push(lua.LNumber(a.w.Now().Unix()))
	return 1
}

// timeNow is ngx.now: seconds with millisecond resolution.
func (a *api) timeNow(L *lua.LState) int {
	ms := a.w.Now().UnixMilli()
	L.Push(lua.LNumber(float64(ms/1000) + float64(ms%1000)/1000))
	return 1
}

func (a *api) timeToday(L *lua.LState) int {
	L.Push(lua.LString(a.w.Now().Format("2006-01-02")))
	return 1
}

func (a *api) timeLocaltime(L *lua.LState) int {
	L.Push(lua.LString(a.w.Now().Format("2006-01-02 15:04:05")))
	return 1
}

func (a *api) timeUTCTime(L *lua.LState) int {
	L.Push(lua.LString(a.w.Now().UTC().Format("2006-01-02 15:04:05")))
	return 1
}

// timeSeconds is resty.core's check of http_time/cookie_time: a number,
// truncated to whole seconds, no numeric strings.
func timeSeconds(L *lua.LState) int64 {
	n, ok := L.Get(1).(lua.LNumber)
	if !ok {
		utilRaise(L, "number argument only")
	}
	return int64(n)
}

// timeGM is ngx_gmtime's domain: negative times are the epoch, times past
// the year 9999 are its last second.
func timeGM(sec int64) time.Time {
	const last = 253402300799
	if sec < 0 {
		sec = 0
	}
	if sec > last {
		sec = last
	}
	return time.Unix(sec, 0).UTC()
}

func timeHTTPTime(L *lua.LState) int {
	t := timeGM(timeSeconds(L))
	L.Push(lua.LString(t.Format("Mon, 02 Jan 2006 15:04:05 GMT")))
	return 1
}

// timeCookieTime is ngx.cookie_time: two-digit years up to 2037, as nginx.
func timeCookieTime(L *lua.LState) int {
	t := timeGM(timeSeconds(L))
	b := make([]byte, 0, 32)
	b = t.AppendFormat(b, "Mon, 02-Jan-")
	if y := t.Year(); y > 2037 {
		b = strconv.AppendInt(b, int64(y), 10)
	} else {
		b = append(b, byte('0'+y%100/10), byte('0'+y%10))
	}
	b = t.AppendFormat(b, " 15:04:05 GMT")
	L.Push(lua.LString(b))
	return 1
}

func timeParseHTTPTime(L *lua.LState) int {
	s, ok := L.Get(1).(lua.LString)
	if !ok {
		utilRaise(L, "string argument only")
	}
	// nginx's NGX_ERROR (-1) doubles as a valid result: OpenResty returns
	// nil for 1969-12-31 23:59:59 too
	if t := ParseHTTPTime(string(s)); t != -1 {
		L.Push(lua.LNumber(t))
		return 1
	}
	L.Push(lua.LNil)
	return 1
}

// httpTimeFmt is the date layout ParseHTTPTime detected.
type httpTimeFmt int

const (
	fmtRFC822 httpTimeFmt = iota // Thu, 18 Nov 2010 11:27:35 GMT
	fmtRFC850                    // Thursday, 18-Nov-10 11:27:35 GMT
	fmtISOC                      // Thu Nov 18 11:27:35 2010
)

// ParseHTTPTime parses an HTTP date exactly as nginx's ngx_parse_http_time
// does (RFC 822/1123, RFC 850 and asctime forms, nothing checked after the
// seconds or year, the weekday ignored), returning -1 on failure. Its
// arithmetic wraps like nginx's unsigned one, year 0 included.
func ParseHTTPTime(s string) int64 {
	p := timeScanner{s: s}
	f := fmtRFC822
	for p.i < len(s) && s[p.i] != ',' {
		if s[p.i] == ' ' {
			f = fmtISOC
			break
		}
		p.i++
	}
	p.i++
	for p.i < len(s) && s[p.i] == ' ' {
		p.i++
	}
	if p.left() < 18 {
		return -1
	}
	var day, month, year, hour, min, sec uint64
	if f != fmtISOC {
		d, ok := p.digits(2)
		if !ok {
			return -1
		}
		day = d
		switch p.at(0) {
		case ' ':
			if p.left() < 18 {
				return -1
			}
		case '-':
			f = fmtRFC850
		default:
			return -1
		}
		p.i++
	}
	m, ok := timeMonth(p.at(0), p.at(1), p.at(2))
	if !ok {
		return -1
	}
	month = m
	p.i += 3
	if (f == fmtRFC822 && p.at(0) != ' ') || (f == fmtRFC850 && p.at(0) != '-') {
		return -1
	}
	p.i++
	switch f {
	case fmtRFC822:
		if year, ok = p.digits(4); !ok {
			return -1
		}
	case fmtRFC850:
		if year, ok = p.digits(2); !ok {
			return -1
		}
		if year < 70 {
			year += 2000
		} else {
			year += 1900
		}
	case fmtISOC:
		if p.at(0) == ' ' {
			p.i++
		}
		if !timeIsDigit(p.at(0)) {
			return -1
		}
		day = uint64(p.at(0) - '0')
		p.i++
		if p.at(0) != ' ' {
			if !timeIsDigit(p.at(0)) {
				return -1
			}
			day = day*10 + uint64(p.at(0)-'0')
			p.i++
		}
		if p.left() < 14 {
			return -1
		}
	}
	if !p.byte(' ') {
		return -1
	}
	if hour, ok = p.digits(2); !ok || !p.byte(':') {
		return -1
	}
	if min, ok = p.digits(2); !ok || !p.byte(':') {
		return -1
	}
	if sec, ok = p.digits(2); !ok {
		return -1
	}
	if f == fmtISOC {
		if !p.byte(' ') {
			return -1
		}
		if year, ok = p.digits(4); !ok {
			return -1
		}
	}
	return timeGauss(year, month, day, hour, min, sec)
}

// timeGauss validates the fields and counts the seconds since the epoch
// with Gauss' formula for days since March 1, 1 BC, in nginx's unsigned
// arithmetic.
func timeGauss(year, month, day, hour, min, sec uint64) int64 {
	mday := [12]uint64{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}
	if hour > 23 || min > 59 || sec > 59 {
		return -1
	}
	if day == 29 && month == 1 {
		if year&3 != 0 || (year%100 == 0 && year%400 != 0) {
			return -1
		}
	} else if day > mday[month] {
		return -1
	}
	// the year starts on March 1, months count from 1
	month--
	if int64(month) <= 0 {
		month += 12
		year--
	}
	days := 365*year + year/4 - year/100 + year/400 + 367*month/12 - 30 + day - 1 - 719527 + 31 + 28
	return int64(days*86400 + hour*3600 + min*60 + sec)
}

// timeMonth is nginx's month detection, which looks at as few letters as
// it needs ("Nox" is November).
func timeMonth(a, b, c byte) (uint64, bool) {
	switch a {
	case 'J':
		if b == 'a' {
			return 0, true
		}
		if c == 'n' {
			return 5, true
		}
		return 6, true
	case 'F':
		return 1, true
	case 'M':
		if c == 'r' {
			return 2, true
		}
		return 4, true
	case 'A':
		if b == 'p' {
			return 3, true
		}
		return 7, true
	case 'S':
		return 8, true
	case 'O':
		return 9, true
	case 'N':
		return 10, true
	case 'D':
		return 11, true
	}
	return 0, false
}

// timeScanner walks an HTTP date; at past the end reads 0.
type timeScanner struct {
	s string
	i int
}

func (p *timeScanner) left() int { return len(p.s) - p.i }

func (p *timeScanner) at(k int) byte {
	if p.i+k < len(p.s) && p.i+k >= 0 {
		return p.s[p.i+k]
	}
	return 0
}

func (p *timeScanner) byte(c byte) bool {
	if p.at(0) != c {
		return false
	}
	p.i++
	return true
}

func (p *timeScanner) digits(n int) (uint64, bool) {
	var v uint64
	for k := 0; k < n; k++ {
		c := p.at(k)
		if !timeIsDigit(c) {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	p.i += n
	return v, true
}

func timeIsDigit(c byte) bool { return c >= '0' && c <= '9' }
