-- A small memcached client (text protocol) on ngx.socket.tcp, for the
-- cosocket tests: get/gets of several keys in one round trip, set/add/
-- replace/delete/incr, timeouts and keepalive.
local _M = {}
local mt = { __index = _M }
local tcp = ngx.socket.tcp
local concat, tostring, tonumber, setmetatable = table.concat, tostring, tonumber, setmetatable

function _M.new(timeout_ms)
	local sock, err = tcp()
	if not sock then
		return nil, err
	end
	sock:settimeout(timeout_ms or 1000)
	return setmetatable({ sock = sock }, mt)
end

function _M.connect(self, host, port, opts)
	return self.sock:connect(host, port, opts)
end

local function simple(self, req, want)
	local ok, err = self.sock:send(req)
	if not ok then
		return nil, err
	end
	local line, rerr = self.sock:receive("*l")
	if not line then
		return nil, rerr
	end
	if want and line ~= want then
		return nil, line
	end
	return line
end

-- store sends "<cmd> key flags exptime bytes\r\nvalue\r\n" and reads the reply line
local function store(self, cmd, key, value, exptime, flags)
	value = tostring(value)
	local req = { cmd, " ", key, " ", flags or 0, " ", exptime or 0, " ", #value, "\r\n", value, "\r\n" }
	local ok, err = simple(self, req, "STORED")
	if not ok then
		return nil, err
	end
	return 1
end

function _M.set(self, ...) return store(self, "set", ...) end
function _M.add(self, ...) return store(self, "add", ...) end
function _M.replace(self, ...) return store(self, "replace", ...) end

-- get_multi reads "VALUE key flags bytes" blocks until "END"; one request
-- for all keys (the pipelining memcached's text protocol offers)
function _M.get_multi(self, keys)
	local ok, err = self.sock:send({ "get ", concat(keys, " "), "\r\n" })
	if not ok then
		return nil, err
	end
	local res = {}
	while true do
		local line, rerr = self.sock:receive("*l")
		if not line then
			return nil, rerr
		end
		if line == "END" then
			return res
		end
		local key, flags, len = line:match("^VALUE (%S+) (%d+) (%d+)$")
		if not key then
			return nil, "bad reply: " .. line
		end
		local data, derr = self.sock:receive(tonumber(len) + 2)
		if not data then
			return nil, derr
		end
		res[key] = { data:sub(1, -3), tonumber(flags) }
	end
end

function _M.get(self, key)
	local res, err = self:get_multi({ key })
	if not res then
		return nil, nil, err
	end
	local v = res[key]
	if not v then
		return nil, nil, nil
	end
	return v[1], v[2]
end


function _M.delete(self, key)
	local ok, err = simple(self, { "delete ", key, "\r\n" }, "DELETED")
	return ok and 1 or nil, err
end

function _M.incr(self, key, delta)
	local line, err = simple(self, { "incr ", key, " ", delta or 1, "\r\n" })
	if not line then
		return nil, err
	end
	local n = tonumber(line)
	if not n then
		return nil, line
	end
	return n
end

function _M.set_keepalive(self, ...)
	return self.sock:setkeepalive(...)
end

function _M.get_reused_times(self)
	return self.sock:getreusedtimes()
end

return _M
