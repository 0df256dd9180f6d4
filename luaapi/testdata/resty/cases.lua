-- Cases for the resty.core module tree; see ../utilgroups/harness.lua.
-- lua-resty-string is not packaged by Debian: resty.aes is checked against
-- OpenSSL itself (openssl_vectors.py, aes_vectors.txt) in luaapi/resty.
local cases = {
    { "core", function() return type(require "resty.core") end },
    { "core_version", function() return type(require("resty.core").version) end },
    { "base_ffi", function()
        local b = require "resty.core.base"
        return b.FFI_OK, b.FFI_ERROR, b.FFI_AGAIN, b.FFI_BUSY, b.FFI_DONE, b.FFI_DECLINED, b.FFI_NO_REQ_CTX, b.FFI_BAD_CONTEXT
    end },
    { "base_new_tab", function() local t = require("resty.core.base").new_tab(2, 2) t[1] = 1 return #t end },
    { "base_clear_tab", function() local t = { 1, 2, a = 3 } require("resty.core.base").clear_tab(t) return next(t) end },
}
for _, m in ipairs{ "base", "base64", "ctx", "exit", "hash", "misc", "ndk", "phase", "regex", "request",
        "response", "shdict", "time", "uri", "var", "worker" } do
    cases[#cases + 1] = { "core_" .. m, function() return type(require("resty.core." .. m)) end }
end
return cases
