local function P(label, ...)
  local n = select('#', ...)
  local t = {label}
  for i = 1, n do t[#t+1] = tostring((select(i, ...))) end
  t[#t+1] = "#" .. n
  ngx.say(table.concat(t, " "))
end
local function E(label, f, ...)
  local ok, err = pcall(f, ...)
  if ok then P(label, "ok", err) else P(label, "err", (tostring(err):gsub("^[^:]*:%d+: ", ""))) end
end
