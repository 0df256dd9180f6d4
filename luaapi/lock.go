package luaapi

func init() { register(openLock) }

// lockLua is resty.lock: a mutex across all workers on a shared dict
// (lua-resty-lock's API and semantics: the lock is the key holding true,
// unlock deletes it, and the wait is capped by the lock's exptime). Waiting
// polls with ngx.sleep, which yields, so a waiting request never blocks its
// worker. One difference remains: gopher-lua has no __gc, so a lock object
// dropped while locked is not released before its exptime.
const lockLua = `
local shared, sleep = ngx.shared, ngx.sleep
local setmetatable, min, max = setmetatable, math.min, math.max

local _M = { _VERSION = "0.09" }
local mt = { __index = _M }

function _M.new(_, dict_name, opts)
	local dict = shared[dict_name]
	if not dict then
		return nil, "dictionary not found"
	end
	local timeout, exptime, step, ratio, max_step
	if opts then
		timeout, exptime, step = opts.timeout, opts.exptime, opts.step
		ratio, max_step = opts.ratio, opts.max_step
	end
	exptime = exptime or 30
	if timeout then
		-- no use waiting longer than a lock can live
		timeout = min(timeout, exptime)
		if step then
			step = min(step, timeout)
		end
	end
	return setmetatable({
		dict = dict, exptime = exptime, timeout = timeout or 5, step = step or 0.001,
		ratio = ratio or 2, max_step = max_step or 0.5,
	}, mt)
end

function _M.lock(self, key)
	if not key then
		return nil, "nil key"
	end
	if self.held then
		return nil, "locked"
	end
	local dict, exptime = self.dict, self.exptime
	local ok, err = dict:add(key, true, exptime)
	if ok then
		self.held, self.key = true, key
		return 0
	end
	if err ~= "exists" then
		return nil, err
	end
	local step, ratio, max_step = self.step, self.ratio, self.max_step
	local left, elapsed = self.timeout, 0
	while left > 0 do
		sleep(step)
		elapsed = elapsed + step
		left = left - step
		ok, err = dict:add(key, true, exptime)
		if ok then
			self.held, self.key = true, key
			return elapsed
		end
		if err ~= "exists" then
			return nil, err
		end
		if left <= 0 then
			break
		end
		step = min(max(0.001, step * ratio), left, max_step)
	end
	return nil, "timeout"
end

function _M.unlock(self)
	if not self.held then
		return nil, "unlocked"
	end
	local ok, err = self.dict:delete(self.key)
	if not ok then
		return nil, err
	end
	self.held = nil
	return 1
end

function _M.expire(self, time)
	if not self.held then
		return nil, "unlocked"
	end
	local ok, err = self.dict:replace(self.key, true, time or self.exptime)
	if not ok then
		return nil, err
	end
	return true
end

return _M
`

var lockModule = &builtin{name: "=resty/lock.lua", src: lockLua}

func openLock(a *api) { lockModule.preload(a.L, "resty.lock") }
