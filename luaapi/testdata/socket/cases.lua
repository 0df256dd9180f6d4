-- Cosocket conformance cases: run by real nginx + lua-nginx-module (the
-- oracle, see nginx.conf) and by goresty's socket_test.go, which compare
-- the output with cases.out. ?case=NAME picks a case; ?tcp=, ?udp=,
-- ?closed= give the scenario server's ports (srv.py or the Go test server).
local tcp_port = tonumber(ngx.var.arg_tcp)
local udp_port = tonumber(ngx.var.arg_udp)
local closed_port = tonumber(ngx.var.arg_closed)
local tls_port = tonumber(ngx.var.arg_tls)

local function show(...)
    local n = select("#", ...)
    local out = {}
    for i = 1, n do
        local v = select(i, ...)
        if type(v) == "string" then
            out[#out + 1] = string.format("%q", v):gsub("\\\n", "\\n")
        elseif type(v) == "userdata" then
            out[#out + 1] = "userdata"
        else
            out[#out + 1] = tostring(v)
        end
    end
    ngx.say(n, ": ", table.concat(out, " "))
end

local function open(scenario)
    local s = ngx.socket.tcp()
    s:settimeout(1000)
    local ok, err = s:connect("127.0.0.1", tcp_port)
    if not ok then
        ngx.say("connect failed: ", err)
        return nil
    end
    if scenario then
        s:send(scenario .. "\n")
    end
    return s
end

local cases = {}

function cases.refused()
    local s = ngx.socket.tcp()
    show(s:connect("127.0.0.1", closed_port))
    show(s:send("x"))
    show(s:receive())
    show(s:close())
    show(s:getreusedtimes())
    show(s:setkeepalive())
end

function cases.noresolver()
    local s = ngx.socket.tcp()
    show(s:connect("localhost", tcp_port))
    show(s:connect("no-such-host.invalid", tcp_port))
end

function cases.unix()
    local s = ngx.socket.tcp()
    show(s:connect("unix:/tmp/goresty-no-such.sock"))
end

function cases.lines()
    local s = open("payload")
    show(s:receive())
    show(s:receive("*l"))
    show(s:receive(1))
    show(s:receive(3))
    show(s:receive())
    show(s:receive())
    show(s:receive("*a"))
    show(s:close())
    show(s:close())
end

function cases.all()
    local s = open("payload")
    show(s:receive(2))
    show(s:receive("*a"))
    show(s:receive("*a"))
    show(s:receive(0))
    show(s:receive())
end

function cases.size_partial()
    local s = open("payload")
    show(s:receive(100))
    show(s:receive(1))
end

function cases.send_types()
    local s = open("echo")
    show(s:send("abc"))
    show(s:send(12))
    show(s:send(1.5))
    show(s:send({"x", {"y", 3}, "z"}))
    show(s:send({}))
    show(s:send(""))
    s:settimeout(100)
    show(s:receive(17))
    show(pcall(s.send, s, true))
    show(pcall(s.send, s, nil))
    show(pcall(s.send, s, {true}))
    show(pcall(s.send, s))
    s:close()
end

function cases.timeout()
    local s = open("slow")
    s:settimeout(100)
    show(s:receive(10))
    show(s:receive())
    show(s:send("still\n"))
    s:settimeouts(1000, 1000, 50)
    show(s:receive("*a"))
    s:close()
end

function cases.until_basic()
    local s = open("mime")
    local it = s:receiveuntil("--abc")
    show(it())
    show(it())
    show(it())
    show(s:receive("*a"))
end

function cases.until_size()
    local s = open("mime")
    local it = s:receiveuntil("--abc")
    for _ = 1, 8 do
        show(it(3))
    end
end

function cases.until_inclusive()
    local s = open("mime")
    local it = s:receiveuntil("--abc", { inclusive = true })
    show(it())
    show(it())
    show(it())
    show(it())
end

function cases.until_args()
    local s = open("mime")
    show(pcall(s.receiveuntil, s, ""))
    show(pcall(s.receiveuntil, s))
    show(pcall(s.receiveuntil, s, 12))
    show(type(s:receiveuntil("x", { inclusive = false })))
    s:close()
end

function cases.receive_args()
    local s = open("echo")
    show(pcall(s.receive, s, "*x"))
    show(pcall(s.receive, s, "x"))
    show(pcall(s.receive, s, -1))
    show(pcall(s.receive, s, true))
    show(pcall(s.receive, s, "*L"))
    show(pcall(s.receiveany, s, 0))
    show(pcall(s.receiveany, s, "x"))
    show(pcall(s.receiveany, s))
    s:close()
end

function cases.receiveany()
    local s = open("payload")
    ngx.sleep(0.05)
    show(s:receiveany(4))
    show(s:receiveany(1000))
    show(s:receiveany(10))
    s:close()
end

function cases.keepalive()
    local s = open("echo")
    show(s:getreusedtimes())
    show(s:setkeepalive(10000, 5))
    show(s:send("x"))
    show(s:receive())
    show(s:close())
    show(s:setkeepalive())
    local s2 = ngx.socket.tcp()
    show(s2:connect("127.0.0.1", tcp_port))
    show(s2:getreusedtimes())
    show(s2:send("ping\n"))
    show(s2:receive())
    show(s2:setkeepalive())
    local s3 = ngx.socket.tcp()
    show(s3:connect("127.0.0.1", tcp_port))
    show(s3:getreusedtimes())
    s3:close()
end

function cases.keepalive_unread()
    local s = open("echo")
    s:send("a\nb\n")
    show(s:receive())
    show(s:setkeepalive())
    show(s:receive())
    show(s:setkeepalive())
end

function cases.pool_opt()
    local s = ngx.socket.tcp()
    show(s:connect("127.0.0.1", tcp_port, { pool = "mypool", pool_size = 2 }))
    s:send("echo\n")
    show(s:setkeepalive())
    local s2 = ngx.socket.tcp()
    show(s2:connect("127.0.0.1", tcp_port))
    show(s2:getreusedtimes())
    s2:close()
    local s3 = ngx.socket.tcp()
    show(s3:connect("127.0.0.1", tcp_port, { pool = "mypool" }))
    show(s3:getreusedtimes())
    s3:close()
    show(pcall(s.connect, s, "127.0.0.1", tcp_port, { pool = 12 }))
    show(pcall(s.connect, s, "127.0.0.1", tcp_port, { pool_size = 0 }))
    show(pcall(s.connect, s, "127.0.0.1", tcp_port, { backlog = -1 }))
end

function cases.connect_args()
    local s = ngx.socket.tcp()
    show(pcall(s.connect, s))
    show(pcall(s.connect, s, "127.0.0.1"))
    show(pcall(s.connect, s, "127.0.0.1", 0))
    show(pcall(s.connect, s, "127.0.0.1", 70000))
    show(pcall(s.connect, s, "127.0.0.1", "abc"))
    show(pcall(s.connect, s, "127.0.0.1", tcp_port, "x"))
    show(pcall(s.settimeout, s, "x"))
    show(pcall(s.connect))
end

function cases.shortcut()
    local s, err = ngx.socket.connect("127.0.0.1", tcp_port)
    show(type(s), err)
    s:send("echo\nhi\n")
    show(s:receive())
    s:close()
    show(ngx.socket.connect("127.0.0.1", closed_port))
    show(ngx.socket.stream == ngx.socket.tcp)
end

function cases.reconnect()
    local s = open("echo")
    show(s:connect("127.0.0.1", tcp_port))
    s:send("echo\nagain\n")
    show(s:receive())
    s:close()
end

function cases.peer_closed()
    local s = open("bye")
    show(s:receive())
    show(s:send("x"))
    show(s:receive())
    show(s:close())
end

function cases.options()
    local s = open("echo")
    show(s:setoption("keepalive", true))
    show(s:setoption("tcp-nodelay", true))
    show(s:setoption("sndbuf", 65536))
    show(pcall(s.setoption, s, "bogus", 1))
    s:close()
end

function cases.udp()
    local u = ngx.socket.udp()
    show(u:send("x"))
    show(u:receive())
    show(u:setpeername("127.0.0.1", udp_port))
    show(u:send("hi"))
    show(u:receive())
    show(u:send({ "a", { "b", 1 } }))
    show(u:receive())
    u:settimeout(100)
    show(u:send("silent"))
    show(u:receive())
    show(u:close())
    show(u:close())
    show(pcall(u.receive, u, "x"))
end

function cases.udp_refused()
    local u = ngx.socket.udp()
    u:settimeout(500)
    show(u:setpeername("127.0.0.1", closed_port))
    show(u:send("x"))
    show(u:receive())
    show(u:setpeername("localhost", udp_port))
end

function cases.ssl()
    local s = ngx.socket.tcp()
    s:settimeout(1000)
    show(s:connect("127.0.0.1", tls_port))
    local sess, err = s:sslhandshake(nil, "test.local", false)
    show(type(sess), err)
    local again = s:sslhandshake()
    show(again == sess)
    show(s:send("hello\n"))
    show(s:receive())
    show(s:connect("127.0.0.1", tls_port))
    show(s:sslhandshake(false, "test.local", true))
    show(s:connect("127.0.0.1", tls_port))
    show(s:sslhandshake(false, "other.local", true))
    show(s:send("x"))
    show(s:connect("127.0.0.1", tls_port))
    local s2 = s:sslhandshake(sess, "test.local", true)
    show(type(s2))
    show(s:setkeepalive())
    show(s:connect("127.0.0.1", tls_port))
    show(s:getreusedtimes())
    show(s:sslhandshake(nil, "test.local", true) ~= nil)
    show(s:send("hi\n"))
    show(s:receive())
    s:close()
end

function cases.ssl_noca()
    local s = ngx.socket.tcp()
    show(s:connect("127.0.0.1", tls_port))
    show(s:sslhandshake(nil, "test.local", true))
    show(s:connect("127.0.0.1", tls_port))
    show(s:sslhandshake(nil, "test.local", false) ~= nil)
    s:close()
end

function cases.misc()
    local s = ngx.socket.tcp()
    show(pcall(s.connect, s, "127.0.0.1", tcp_port, { pool = true }))
    show(pcall(s.connect, s, "127.0.0.1", tcp_port, { pool_size = "x" }))
    show(pcall(s.receiveuntil, s, "x", { inclusive = 1 }))
    show(pcall(s.receiveuntil, s, "x", 5))
    s:send("payload\n")
    local it = s:receiveuntil("line2")
    show(pcall(it, "x"))
    show(it())
    s:close()
    show(it())
    show(pcall(s.close, s, 1))
    show(pcall(s.getreusedtimes, s, 1))
    show(pcall(s.setkeepalive, s, 1, 2, 3))
    show(pcall(s.bind, s))
    show(s:bind("1.2.3.4.5"))
    show(s:bind("127.0.0.1"))
    show(pcall(s.settimeout, s))
    show(pcall(s.settimeout, s, -1))
    show(pcall(s.settimeouts, s, 1))
    show(pcall(s.settimeouts, s, 1, 2, -3))
    local ok, err = pcall(s.setoption, s, "keepalive", true)
    show(ok, (err:match("socket is never created nor connected")))
    ok, err = pcall(s.getoption, s, "keepalive")
    show(ok, (err:match("socket is never created nor connected")))
    s:connect("127.0.0.1", tcp_port)
    show(s:getoption("keepalive"))
    show(s:setoption("keepalive"))
    show(s:getoption("bogus"))
    show(s:setkeepalive(-1))
    s:connect("127.0.0.1", tcp_port)
    show(s:setkeepalive(0, 0))
end

local name = ngx.var.arg_case
local f = cases[name]
if not f then
    ngx.say("no such case: ", name)
    return
end
f()
