-- A stand-in for a slow backend: computing a value takes 50 ms.
local _M = {}

function _M.fetch(key)
    ngx.sleep(0.05)
    return string.upper(key)
end

return _M
