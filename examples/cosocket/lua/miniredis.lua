-- A tiny Redis client on ngx.socket.tcp: RESP commands and replies.
local _M = {}
local mt = { __index = _M }

function _M.connect(host, port)
    local sock = ngx.socket.tcp()
    sock:settimeouts(1000, 1000, 1000)
    local ok, err = sock:connect(host, port, { pool = "miniredis" })
    if not ok then
        return nil, err
    end
    return setmetatable({ sock = sock }, mt)
end

function _M.command(self, ...)
    local args = { ... }
    local req = { "*", #args, "\r\n" }
    for _, a in ipairs(args) do
        a = tostring(a)
        req[#req + 1] = "$" .. #a .. "\r\n" .. a .. "\r\n"
    end
    local ok, err = self.sock:send(req)
    if not ok then
        return nil, err
    end
    local line, err = self.sock:receive("*l")
    if not line then
        return nil, err
    end
    local kind, rest = line:sub(1, 1), line:sub(2)
    if kind == ":" then
        return tonumber(rest)
    elseif kind == "+" then
        return rest
    elseif kind == "-" then
        return nil, rest
    elseif kind == "$" then
        local n = tonumber(rest)
        if n < 0 then
            return ngx.null
        end
        local data, err = self.sock:receive(n + 2)
        if not data then
            return nil, err
        end
        return data:sub(1, n)
    end
    return nil, "unsupported reply: " .. line
end

function _M.keepalive(self)
    return self.sock:setkeepalive(10000, 32)
end

return _M
