package ngxre

import (
	"sync"
	"sync/atomic"
)

// DefaultCacheMaxEntries is nginx's default lua_regex_cache_max_entries.
const DefaultCacheMaxEntries = 1024

type cacheKey struct{ pattern, options string }

// cacheEntry is one cached regex with its key.
type cacheEntry struct {
	key cacheKey
	re  *Regex
}

// Cache holds regexes compiled with the "o" option, as OpenResty's
// per-worker regex cache: once MaxEntries regexes are cached, further ones
// are compiled on every use and not cached (OpenResty logs nothing then).
type Cache struct {
	mu         sync.RWMutex
	maxEntries int
	matchLimit int
	m          map[cacheKey]*cacheEntry
	// last is the entry of the latest hit: a call in a loop finds its regex
	// by two string compares (usually a pointer compare, as Lua passes the
	// same constant strings) instead of a lock and a hash of both strings.
	last atomic.Pointer[cacheEntry]
}

// NewCache returns a cache of at most maxEntries regexes (0 disables
// caching, as lua_regex_cache_max_entries 0) compiled with matchLimit
// (lua_regex_match_limit, 0 for PCRE's default).
func NewCache(maxEntries, matchLimit int) *Cache {
	return &Cache{maxEntries: maxEntries, matchLimit: matchLimit, m: map[cacheKey]*cacheEntry{}}
}

// Compile returns the compiled regex for pattern and options, from the cache
// when options contain "o".
func (c *Cache) Compile(pattern, options string) (*Regex, error) {
	if e := c.last.Load(); e != nil && e.key.pattern == pattern && e.key.options == options {
		return e.re, nil // only cached ("o") entries are ever stored in last
	}
	once := false
	for i := 0; i < len(options); i++ {
		if options[i] == 'o' {
			once = true
			break
		}
	}
	if !once {
		return Compile(pattern, options, c.matchLimit)
	}
	k := cacheKey{pattern, options}
	c.mu.RLock()
	e := c.m[k]
	c.mu.RUnlock()
	if e != nil {
		c.last.Store(e)
		return e.re, nil
	}
	re, err := Compile(pattern, options, c.matchLimit)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.m) < c.maxEntries {
		c.m[k] = &cacheEntry{key: k, re: re}
	}
	c.mu.Unlock()
	return re, nil
}

// Len returns the number of cached regexes.
func (c *Cache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}
