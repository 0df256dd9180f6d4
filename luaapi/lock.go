package luaapi

import (
	"github.com/goresty/goresty/luaapi/stdlib"
	lua "github.com/yuin/gopher-lua"
)

func init() { register(openLock) }

// lockLua is resty.lock: a mutex across all workers on a shared dict
// (lua-resty-lock's API). Waiting polls with ngx.sleep, which yields, so a
// waiting request never blocks its worker.
const lockLua = `
local shared, sleep, now, update_time = ngx.shared, ngx.sleep, ngx.now, ngx.update_time
local setmetatable, type, tostring = setmetatable, type, tostring

local _M = { _VERSION = "0.09" }
local mt = { __index = _M }
local seq = 0

function _M.new(_, dict_name, opts)
	local dict = shared[dict_name]
	if not dict then
		return nil, "dictionary not found"
	end
	opts = opts or {}
	local exptime = opts.exptime or 30
	local timeout = opts.timeout or 5
	local step = opts.step or 0.001
	local ratio = opts.ratio or 2
	local max_step = opts.max_step or 0.5
	if type(exptime) ~= "number" or type(timeout) ~= "number" or type(step) ~= "number"
	   or type(ratio) ~= "number" or type(max_step) ~= "number" then
		return nil, "bad options"
	end
	return setmetatable({
		dict = dict, exptime = exptime, timeout = timeout, step = step,
		ratio = ratio, max_step = max_step,
	}, mt)
end

function _M.lock(self, key)
	if not key then
		return nil, "nil key"
	end
	if self.key then
		return nil, "locked"
	end
	seq = seq + 1
	local token = tostring(seq) .. ":" .. tostring(now())
	local dict, exptime = self.dict, self.exptime
	local ok, err = dict:add(key, token, exptime)
	if ok then
		self.key, self.token = key, token
		return 0
	end
	if err ~= "exists" then
		return nil, err
	end
	local step, ratio, max_step = self.step, self.ratio, self.max_step
	local left = self.timeout
	local elapsed = 0
	while left > 0 do
		if step > left then
			step = left
		end
		sleep(step)
		elapsed = elapsed + step
		left = left - step
		ok, err = dict:add(key, token, exptime)
		if ok then
			self.key, self.token = key, token
			return elapsed
		end
		if err ~= "exists" then
			return nil, err
		end
		step = step * ratio
		if step <= 0 then
			step = 0.001
		end
		if step > max_step then
			step = max_step
		end
	end
	return nil, "timeout"
end

function _M.unlock(self)
	local key = self.key
	if not key then
		return nil, "unlocked"
	end
	self.key = nil
	local dict = self.dict
	-- only our own lock: it may have expired and been taken by another
	if dict:get(key) == self.token then
		local ok, err = dict:delete(key)
		if not ok then
			return nil, err
		end
	end
	return 1
end

function _M.expire(self, time)
	local key = self.key
	if not key then
		return nil, "unlocked"
	end
	local ok, err = self.dict:replace(key, self.token, time or self.exptime)
	if not ok then
		return nil, err
	end
	return true
end

return _M
`

func openLock(a *api) {
	proto, err := stdlib.Compile([]byte(lockLua), "=resty/lock.lua")
	if err != nil {
		a.openErr = err
		return
	}
	a.L.PreloadModule("resty.lock", func(L *lua.LState) int {
		L.Push(L.NewFunctionFromProto(proto))
		L.Call(0, 1)
		return 1
	})
}
