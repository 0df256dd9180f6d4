-- harness.lua: runs every case of cases.lua and reports one line per case.
-- It runs unchanged on real nginx + lua (see nginx.conf) and under goresty's
-- tests (cjson_test.go), so the golden file nginx_output.txt can be
-- regenerated on the real thing and compared here.
local cases, new_cjson, new_safe, emit = ...

local function qstr(s)
    return '"' .. (s:gsub('[%c"\\\128-\255]', function(c)
        return string.format("\\%d", c:byte())
    end)) .. '"'
end

local repr

local function num(n)
    if n ~= n then return "nan" end
    if n == 1 / 0 then return "inf" end
    if n == -1 / 0 then return "-inf" end
    if n == 0 and 1 / n < 0 then return "-0" end
    if n == math.floor(n) and math.abs(n) < 2 ^ 53 then
        return string.format("%d", n)
    end
    return string.format("%.17g", n)
end

local function tbl(t, null, depth)
    if depth > 20 then return "<deep>" end
    local keys = {}
    for k in pairs(t) do keys[#keys + 1] = k end
    table.sort(keys, function(a, b)
        local ta, tb = type(a), type(b)
        if ta ~= tb then return ta < tb end
        return a < b
    end)
    local parts = {}
    for _, k in ipairs(keys) do
        parts[#parts + 1] = "[" .. repr(k, null, depth + 1) .. "]=" .. repr(t[k], null, depth + 1)
    end
    local mt = getmetatable(t)
    local tag = mt and "mt" or ""
    return tag .. "{" .. table.concat(parts, ",") .. "}"
end

repr = function(v, null, depth)
    local tv = type(v)
    if v == null then return "null" end
    if tv == "string" then return qstr(v) end
    if tv == "number" then return num(v) end
    if tv == "table" then return tbl(v, null, depth or 0) end
    if tv == "nil" or tv == "boolean" then return tostring(v) end
    return "<" .. tv .. ">"
end

local function pack(...) return { n = select("#", ...), ... } end

for _, c in ipairs(cases) do
    local name, code = c[1], c[2]
    local cj, safe = new_cjson(), new_safe()
    local f, lerr = loadstring("local cjson, safe = ... " .. code, "=" .. name)
    local line
    if not f then
        line = "load error: " .. tostring(lerr)
    else
        local r = pack(pcall(f, cj, safe))
        if r[1] then
            local parts = {}
            for i = 2, r.n do parts[#parts + 1] = repr(r[i], cj.null) end
            line = "ok " .. table.concat(parts, " | ")
        else
            line = "error " .. tostring(r[2])
        end
    end
    -- gopher-lua keeps the "=" of a "=name" chunk name in positions: drop it
    line = line:gsub('([ "])=(' .. name .. ':%d+:)', '%1%2')
    emit(name .. ": " .. line)
end
