-- access phase: the query string is base64; decode it into plain arguments
local raw = ngx.var.args
if not raw or raw == "" then
    return ngx.exit(ngx.HTTP_BAD_REQUEST)
end
local plain = ngx.decode_base64(raw)
if not plain then
    ngx.log(ngx.WARN, "bad base64 query: ", raw)
    return ngx.exit(ngx.HTTP_BAD_REQUEST)
end
ngx.req.set_uri_args(plain)
