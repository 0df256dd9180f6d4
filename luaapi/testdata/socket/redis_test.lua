-- Exercise of testdata/lua/redis.lua (run by socket_more_test.go against
-- a real redis-server; redis_test.out was produced by real nginx + lua).
local redis = require "redis"
local red = redis.new()
red:set_timeout(1000)
local ok, err = red:connect("127.0.0.1", tonumber(ngx.var.arg_port))
if not ok then
    ngx.say("connect: ", err)
    return
end
ngx.say("reused: ", red:get_reused_times())
red:del("k", "bin", "c", "l", "h")
ngx.say("set: ", red:set("k", "v"))
ngx.say("get: ", red:get("k"))
ngx.say("missing is null: ", red:get("nope") == ngx.null)
local bin = "a\r\nb\0c"
red:set("bin", bin)
ngx.say("binary safe: ", red:get("bin") == bin)
ngx.say("incr error: ", select(2, red:incr("k")))
red:init_pipeline()
red:incr("c")
red:incr("c")
red:rpush("l", "x", "y", 3)
red:lrange("l", 0, -1)
red:hset("h", "f", "v")
red:hget("h", "nope")
red:incr("k")
red:ping()
local res, perr = red:commit_pipeline()
if not res then
    ngx.say("pipeline: ", perr)
    return
end
for i, v in ipairs(res) do
    if type(v) == "table" then
        local parts = {}
        for j, e in ipairs(v) do
            parts[j] = tostring(e)
        end
        ngx.say(i, ": {", table.concat(parts, ","), "}")
    elseif v == ngx.null then
        ngx.say(i, ": null")
    else
        ngx.say(i, ": ", tostring(v))
    end
end
ngx.say("empty array: ", #red:lrange("nolist", 0, -1))
ngx.say("keepalive: ", red:set_keepalive(10000, 10))
