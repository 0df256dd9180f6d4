-- capacity, free space and eviction in a 12k zone (2 slab pages)
local d = ngx.shared.cats
P("cap", d:capacity(), d:free_space())
P("list", d:lpush("1", 1))
local n = 0
while true do
  local ok, err, f = d:safe_set(string.format("k%09d", n), "vvvvvvvvvv")
  if not ok then P("safe_set stop", n, ok, err, f) break end
  n = n + 1
end
P("free", d:free_space())
P("set forcible", d:set("zzzzzzzzzz", "vvvvvvvvvv"))
P("list evicted", d:llen("1"), d:get("k000000000"))
P("big safe", d:safe_set("big", string.rep("x", 5000)))
P("big set", d:set("big", string.rep("x", 5000)))
P("count", #d:get_keys(0))
P("huge set", d:set("huge", string.rep("x", 50000)))
P("count", #d:get_keys(0))
P("safe_add empty", d:safe_add("newkey", "vvvvvvvvvv"))
P("lpush", d:lpush("list", "vvvvvvvvvv"))
P("incr", d:incr("incrk", 1, 0))
P("count", #d:get_keys(0))
d:flush_all()
P("flush_expired after flush_all", d:flush_expired())
local d = ngx.shared.dogs
P("dogs", d:capacity(), d:free_space())
n = 0
while true do
  local ok, err, forcible = d:set(string.format("k%09d", n), "vvvvvvvvvv")
  if not ok or forcible then P("dogs forcible at", n, ok, err, forcible) break end
  n = n + 1
end
for i = 1, 5 do d:set("k" .. i, i) end
d:flush_all()
P("stale after flush_all", d:get_stale("k1"), d:get_stale("k5"))
P("flush_expired 2", d:flush_expired(2))
P("flush_expired", d:flush_expired())
for i = 1, 5 do d:set("k" .. i, i, 0.001) end
ngx.sleep(0.01)
P("flush_expired ttl", d:flush_expired())
P("dogs free after flush", d:free_space())
