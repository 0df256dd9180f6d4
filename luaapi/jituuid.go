package luaapi

func init() { register(openJitUUID) }

// jitUUIDLua is resty.jit-uuid (lua-resty-jit-uuid's API: seed, is_valid,
// generate_v4 and calling the module, factory_v3/v5, generate_v3/v5).
// The library's own file declares ngx_hex_dump with ffi.cdef when it is
// loaded, which goresty cannot do, so require finds this one first.
const jitUUIDLua = `
local bit = require "bit"
local tohex, band, bor = bit.tohex, bit.band, bit.bor
local random, fmt, sub, char, gmatch = math.random, string.format, string.sub, string.char, string.gmatch
local type, tonumber, setmetatable = type, tonumber, setmetatable
local re_find, md5, sha1_bin = ngx.re.find, ngx.md5, ngx.sha1_bin
local to_hex = require("resty.string").to_hex

local _M = { _VERSION = "0.0.4" }

function _M.seed()
	math.randomseed(ngx.time() + ngx.worker.pid())
end

local CANONICAL = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"

function _M.is_valid(str)
	if type(str) ~= "string" or #str ~= 36 then
		return false
	end
	return re_find(str, CANONICAL, "ioj") ~= nil
end


function _M.generate_v4()
	local b = {}
	for i = 1, 16 do
		b[i] = random(0, 255)
	end
	b[7] = bor(band(b[7], 0x0F), 0x40) -- version 4
	b[9] = bor(band(b[9], 0x3F), 0x80) -- RFC 4122 variant
	for i = 1, 16 do
		b[i] = tohex(b[i], 2)
	end
	return fmt("%s%s%s%s-%s%s-%s%s-%s%s-%s%s%s%s%s%s", b[1], b[2], b[3], b[4], b[5], b[6],
		b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15], b[16])
end

-- a namespaced UUID from the hex digest h of namespace..name, version v
local function from_hash(h, v)
	local ver = tohex(bor(band(tonumber(sub(h, 13, 14), 16), 0x0F), v), 2)
	local var = tohex(bor(band(tonumber(sub(h, 17, 18), 16), 0x3F), 0x80), 2)
	return fmt("%s-%s-%s%s-%s%s-%s", sub(h, 1, 8), sub(h, 9, 12), ver, sub(h, 15, 16),
		var, sub(h, 19, 20), sub(h, 21, 32))
end

local function factory(namespace, digest, v)
	if not _M.is_valid(namespace) then
		return nil, "namespace must be a valid UUID"
	end
	local bytes = {}
	for pair in gmatch(namespace, "([%a%d][%a%d])") do
		bytes[#bytes + 1] = char(tonumber(pair, 16))
	end
	local ns = table.concat(bytes)
	return function(name)
		if type(name) ~= "string" then
			return nil, "name must be a string"
		end
		return from_hash(digest(ns .. name), v)
	end
end

local function v5_digest(s)
	return to_hex(sha1_bin(s))
end

function _M.factory_v3(namespace)
	return factory(namespace, md5, 0x30)
end

function _M.factory_v5(namespace)
	return factory(namespace, v5_digest, 0x50)
end

function _M.generate_v3(namespace, name)
	local f, err = _M.factory_v3(namespace)
	if not f then
		return nil, err
	end
	return f(name)
end

function _M.generate_v5(namespace, name)
	local f, err = _M.factory_v5(namespace)
	if not f then
		return nil, err
	end
	return f(name)
end

return setmetatable(_M, { __call = _M.generate_v4 })
`

var jitUUIDModule = &builtin{name: "=resty/jit-uuid.lua", src: jitUUIDLua}

func openJitUUID(a *api) { jitUUIDModule.preload(a.L, "resty.jit-uuid") }
