// Package lrucache provides the resty.lrucache and resty.lrucache.pureffi Lua
// modules on github.com/hashicorp/golang-lru/v2. A cache lives in one VM (one
// worker), as in OpenResty, and needs no locking. Behaviour was observed on
// lua-resty-lrucache 0.13 (whose _VERSION says 0.11): get returns value,
// stale value (when expired) and flags; set takes ttl and flags; get_keys
// lists the most recently used first.
package lrucache
