-- harness.lua runs the cases of one group (a list of {name, function}) and
-- emits one line per case. It runs unchanged on real nginx + lua-nginx-module
-- (nginx.conf here) and under goresty's tests (luaapi/util_oracle_test.go),
-- so the golden files <group>/nginx_output.txt come from the real thing.
local cases = ...

local function repr(v)
    local t = type(v)
    if t == "string" then
        return '"' .. v:gsub('[%c"\\\128-\255]', function(c)
            return string.format("\\%03d", c:byte())
        end) .. '"'
    elseif t == "number" or t == "boolean" or t == "nil" then
        return tostring(v)
    end
    return t
end

local function pack(...) return { n = select("#", ...), ... } end

local out = {}
for _, c in ipairs(cases) do
    local ok, res = pcall(function() return pack(c[2]()) end)
    local line
    if ok then
        local parts = {}
        for i = 1, res.n do parts[#parts + 1] = repr(res[i]) end
        line = table.concat(parts, ", ")
    else
        -- positions differ between the two runtimes: drop "chunk:line: "
        line = "ERR " .. tostring(res):gsub("^[^\n]-:%d+: ", "")
    end
    out[#out + 1] = c[1] .. ": " .. line
end
return table.concat(out, "\n") .. "\n"
