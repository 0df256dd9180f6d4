-- how resty.core coerces exptime, init and zone arguments, and TTL overflow
local d = ngx.shared.dogs
local function T(label, f) local ok, err = pcall(f) P(label, ok, (tostring(err):gsub("^[^:]*:%d+: ", ""))) end
d:set("x", 1)
T("expire false", function() local r = d:expire("x", false) return r end)
T("expire nil", function() local r = d:expire("x") return r end)
T("expire true", function() local r = d:expire("x", true) return r end)
T("expire table", function() local r = d:expire("x", {}) return r end)
T("expire bad string", function() local r = d:expire("x", "soon") return r end)
P("expire string", d:expire("x", "5"), d:ttl("x"))
P("expire hex string", d:expire("x", " 0x10 "), d:ttl("x"))
P("set false ttl", d:set("x", 1, false), d:ttl("x"))
for _, c in ipairs({{"9.2e15", 9.2e15}, {"9.3e15", 9.3e15}, {"1e300", 1e300}, {"inf", 1/0}}) do
  local label, ttl = c[1], c[2]
  d:set("x", 1)
  P("expire " .. label, d:expire("x", ttl), d:ttl("x") == 0 and 0 or d:ttl("x") == ttl)
  P("set " .. label, d:set("x", 1, ttl), d:ttl("x") == 0 and 0 or d:ttl("x") == ttl)
  d:delete("x")
  P("incr " .. label, d:incr("x", 1, 0, ttl), d:ttl("x") == 0 and 0 or d:ttl("x") == ttl)
end
d:expire("x", 0/0) P("expire nan", d:ttl("x"))
d:delete("n")
P("incr init false", d:incr("n", 1, false))
T("incr init false with ttl", function() local r = d:incr("n", 1, false, 5) return r end)
T("incr init true", function() local r = d:incr("n", 1, true) return r end)
T("incr init_ttl false", function() local r = d:incr("n", 1, 0, false) return r end)
T("get_keys empty zone", function() local r = d.get_keys({}) return r end)
T("get_keys zone without dict", function() local r = d.get_keys({1}, 2) return r end)
T("flush_expired empty zone", function() local r = d.flush_expired({}) return r end)
T("get empty zone", function() local r = d.get({}, "k") return r end)
