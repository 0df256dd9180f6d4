-- redis.lua: a small Redis client on ngx.socket.tcp cosockets, written for
-- goresty's tests and as an example of the cosocket API.
--
--   local redis = require "redis"
--   local red = redis.new()
--   red:set_timeout(1000)
--   local ok, err = red:connect("127.0.0.1", 6379)
--   local v, err = red:get("key")          -- any command: red:<cmd>(args...)
--   red:init_pipeline()
--   red:set("a", 1) red:incr("a")
--   local results, err = red:commit_pipeline()
--   red:set_keepalive(10000, 100)
--
-- Replies: status -> string ("OK"), integer -> number, bulk -> string or
-- ngx.null, array -> table (ngx.null for nil elements). An error reply
-- returns nil, "ERR ..." from a command; in a pipeline's results it is
-- the table { false, "ERR ..." }. A network failure returns nil, err.

local tcp = ngx.socket.tcp
local null = ngx.null
local concat = table.concat
local sub = string.sub
local byte = string.byte
local tonumber = tonumber
local tostring = tostring
local select = select
local type = type
local setmetatable = setmetatable
local rawget = rawget

local M = { _VERSION = "0.1" }
local mt = { __index = M }

--- new returns an unconnected client.
function M.new()
    local sock, err = tcp()
    if not sock then
        return nil, err
    end
    return setmetatable({ sock = sock }, mt)
end

function M.set_timeout(self, ms)
    return self.sock:settimeout(ms)
end

function M.set_timeouts(self, connect, send, read)
    return self.sock:settimeouts(connect, send, read)
end

--- connect takes what tcpsock:connect takes (host, port, opts or
--- "unix:/path", opts).
function M.connect(self, ...)
    self.pipeline = nil
    return self.sock:connect(...)
end

function M.set_keepalive(self, idle, size)
    return self.sock:setkeepalive(idle, size)
end

function M.get_reused_times(self)
    return self.sock:getreusedtimes()
end

function M.close(self)
    return self.sock:close()
end

-- encode renders one command as a RESP array of bulk strings.
local function encode(cmd, ...)
    local n = select("#", ...)
    local out = { "*", n + 1, "\r\n$", #cmd, "\r\n", cmd, "\r\n" }
    for i = 1, n do
        local arg = select(i, ...)
        if type(arg) ~= "string" then
            arg = tostring(arg)
        end
        out[#out + 1] = "$"
        out[#out + 1] = #arg
        out[#out + 1] = "\r\n"
        out[#out + 1] = arg
        out[#out + 1] = "\r\n"
    end
    return out
end

-- read_reply reads one reply. It returns value, or false and the error
-- text of an error reply, or nil and a network error.
local function read_reply(sock)
    local line, err = sock:receive()
    if not line then
        return nil, err
    end
    local kind = byte(line)
    local rest = sub(line, 2)
    if kind == 43 then -- "+"
        return rest
    elseif kind == 45 then -- "-"
        return false, rest
    elseif kind == 58 then -- ":"
        return tonumber(rest)
    elseif kind == 36 then -- "$"
        local size = tonumber(rest)
        if not size or size < 0 then
            return null
        end
        local data, err = sock:receive(size + 2)
        if not data then
            return nil, err
        end
        return sub(data, 1, size)
    elseif kind == 42 then -- "*"
        local n = tonumber(rest)
        if not n or n < 0 then
            return null
        end
        local arr = {}
        for i = 1, n do
            local v, verr = read_reply(sock)
            if v == nil then
                return nil, verr
            end
            if v == false then
                v = { false, verr }
            end
            arr[i] = v
        end
        return arr
    end
    return nil, "bad reply: " .. line
end

--- command sends one command (or queues it in a pipeline) and reads its
--- reply.
function M.command(self, cmd, ...)
    local req = encode(cmd, ...)
    local p = rawget(self, "pipeline")
    if p then
        p[#p + 1] = req
        return "QUEUED"
    end
    local sock = self.sock
    local ok, err = sock:send(req)
    if not ok then
        return nil, err
    end
    local res, rerr = read_reply(sock)
    if not res then
        return nil, rerr
    end
    return res
end

function M.init_pipeline(self)
    self.pipeline = {}
end

function M.cancel_pipeline(self)
    self.pipeline = nil
end

--- commit_pipeline sends every queued command in one write and reads all
--- the replies.
function M.commit_pipeline(self)
    local p = rawget(self, "pipeline")
    if not p then
        return nil, "no pipeline"
    end
    self.pipeline = nil
    if #p == 0 then
        return {}
    end
    local sock = self.sock
    local ok, err = sock:send(p)
    if not ok then
        return nil, err
    end
    local results = {}
    for i = 1, #p do
        local res, rerr = read_reply(sock)
        if res == nil then
            return nil, rerr
        end
        if res == false then
            res = { false, rerr }
        end
        results[i] = res
    end
    return results
end

-- red:<command>(...) is red:command("<command>", ...).
setmetatable(M, {
    __index = function(t, name)
        local f = function(self, ...)
            return self:command(name, ...)
        end
        t[name] = f
        return f
    end,
})

return M
