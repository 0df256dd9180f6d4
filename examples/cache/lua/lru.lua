-- One lrucache per worker VM: module-level state lives as long as the VM.
local lrucache = require "resty.lrucache"

local _M = {}
local cache, err = lrucache.new(200)
if not cache then
    error("failed to create the cache: " .. (err or "unknown"))
end
_M.cache = cache

return _M
