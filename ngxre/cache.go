package ngxre

import "sync"

// DefaultCacheMaxEntries is nginx's default lua_regex_cache_max_entries.
const DefaultCacheMaxEntries = 1024

type cacheKey struct{ pattern, options string }

// Cache holds regexes compiled with the "o" option, as OpenResty's
// per-worker regex cache: once MaxEntries regexes are cached, further ones
// are compiled on every use and not cached (OpenResty logs nothing then).
type Cache struct {
	mu         sync.RWMutex
	maxEntries int
	matchLimit int
	m          map[cacheKey]*Regex
}

// NewCache returns a cache of at most maxEntries regexes (0 disables
// caching, as lua_regex_cache_max_entries 0) compiled with matchLimit
// (lua_regex_match_limit, 0 for PCRE's default).
func NewCache(maxEntries, matchLimit int) *Cache {
	return &Cache{maxEntries: maxEntries, matchLimit: matchLimit, m: map[cacheKey]*Regex{}}
}

// Compile returns the compiled regex for pattern and options, from the cache
// when options contain "o".
func (c *Cache) Compile(pattern, options string) (*Regex, error) {
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
	re := c.m[k]
	c.mu.RUnlock()
	if re != nil {
		return re, nil
	}
	re, err := Compile(pattern, options, c.matchLimit)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.m) < c.maxEntries {
		c.m[k] = re
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
