-- body filter: collect the response, send it base64-encoded at the end
local ctx = ngx.ctx
ctx.buf = (ctx.buf or "") .. (ngx.arg[1] or "")
if ngx.arg[2] then
    ngx.arg[1] = ngx.encode_base64(ctx.buf) .. "\n"
else
    ngx.arg[1] = nil
end
