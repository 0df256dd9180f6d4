package luaapi

func init() { register(openLimitReq) }

// limitReqLua is resty.limit.req (lua-resty-limit-traffic's leaky bucket,
// the API of its README): lua-resty-limit-traffic's own file declares its
// record with ffi.cdef, which goresty has not, so require finds this one
// first. A record is 16 bytes in the dict, as there: the excess (in
// thousandths of a request) and the time of the last request (in ms), each
// a little-endian unsigned 64-bit integer, stored truncated like the C
// fields.
const limitReqLua = `
local shared, now = ngx.shared, ngx.now
local setmetatable, type, assert = setmetatable, type, assert
local floor, abs, max = math.floor, math.abs, math.max
local char, byte = string.char, string.byte

local REC_SIZE = 16

local function put_u64(n, out, at)
	n = floor(n)
	if n < 0 then n = 0 end
	for i = 0, 7 do
		out[at + i] = n % 256
		n = floor(n / 256)
	end
end

local function encode(excess, last)
	local b = {}
	put_u64(excess, b, 1)
	put_u64(last, b, 9)
	return char(b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8],
		b[9], b[10], b[11], b[12], b[13], b[14], b[15], b[16])
end

local function get_u64(s, at)
	local n = 0
	for i = at + 7, at, -1 do
		n = n * 256 + byte(s, i)
	end
	return n
end

-- the stored record of key, or nil and an error string
local function record(dict, key)
	local v = dict:get(key)
	if v == nil then
		return nil
	end
	if type(v) ~= "string" or #v ~= REC_SIZE then
		return nil, "shdict abused by other users"
	end
	return get_u64(v, 1), get_u64(v, 9)
end

local _M = { _VERSION = "0.04" }
local mt = { __index = _M }

function _M.new(dict_name, rate, burst)
	local dict = shared[dict_name]
	if not dict then
		return nil, "shared dict not found"
	end
	assert(rate > 0 and burst >= 0)
	return setmetatable({ dict = dict, rate = rate * 1000, burst = burst * 1000 }, mt)
end

function _M.incoming(self, key, commit)
	local dict, rate = self.dict, self.rate
	local t = now() * 1000
	local excess = 0
	local prev, last = record(dict, key)
	if prev then
		excess = max(prev - rate * abs(t - last) / 1000 + 1000, 0)
		if excess > self.burst then
			return nil, "rejected"
		end
	elseif last then
		return nil, last
	end
	if commit then
		dict:set(key, encode(excess, t))
	end
	return excess / rate, excess / 1000
end

function _M.uncommit(self, key)
	assert(key)
	local dict = self.dict
	local prev, last = record(dict, key)
	if not prev then
		return nil, last or "not found"
	end
	dict:set(key, encode(max(prev - 1000, 0), last))
	return true
end

function _M.set_rate(self, rate)
	self.rate = rate * 1000
end

function _M.set_burst(self, burst)
	self.burst = burst * 1000
end

return _M
`

var limitReqModule = &builtin{name: "=resty/limit/req.lua", src: limitReqLua}

func openLimitReq(a *api) {
	limitReqModule.preload(a.L, "resty.limit.req")
}
