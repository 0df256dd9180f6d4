package luaapi

import (
	lua "github.com/yuin/gopher-lua"
)

func init() { register(openWebsocketProtocol) }

// websocketProtocolLua is resty.websocket.protocol (lua-resty-websocket's
// frame layer: recv_frame, build_frame, send_frame). lua-resty-websocket's
// own file unmasks payloads in an FFI char buffer, which goresty has not;
// its server and client modules are plain Lua and run on this one
// unchanged. The masking XOR runs in Go (mask below).
const websocketProtocolLua = `
local mask = ...
local bit = require "bit"
local band, bor, lshift, rshift = bit.band, bit.bor, bit.lshift, bit.rshift
local byte, char, sub = string.byte, string.char, string.sub
local type, tostring, rand = type, tostring, math.random

local ok, new_tab = pcall(require, "table.new")
if not ok then
	new_tab = function() return {} end
end

local _M = new_tab(0, 5)
_M.new_tab = new_tab
_M._VERSION = "0.09"

local opcodes = {
	[0x0] = "continuation", [0x1] = "text", [0x2] = "binary",
	[0x8] = "close", [0x9] = "ping", [0xa] = "pong",
}

-- the payload length after the first two bytes, or nil and an error
local function payload_length(sock, len)
	if len == 126 then
		local b, err = sock:receive(2)
		if not b then
			return nil, "failed to receive the 2 byte payload length: " .. (err or "unknown")
		end
		return bor(lshift(byte(b, 1), 8), byte(b, 2))
	end
	if len == 127 then
		local b, err = sock:receive(8)
		if not b then
			return nil, "failed to receive the 8 byte payload length: " .. (err or "unknown")
		end
		local b1, b2, b3, b4, b5, b6, b7, b8 = byte(b, 1, 8)
		-- only 31-bit lengths
		if b1 ~= 0 or b2 ~= 0 or b3 ~= 0 or b4 ~= 0 or band(b5, 0x80) ~= 0 then
			return nil, "payload len too large"
		end
		return bor(lshift(b5, 24), lshift(b6, 16), lshift(b7, 8), b8)
	end
	return len
end

function _M.recv_frame(sock, max_payload_len, force_masking)
	local head, err = sock:receive(2)
	if not head then
		return nil, nil, "failed to receive the first 2 bytes: " .. err
	end
	local b1, b2 = byte(head, 1, 2)
	local fin = band(b1, 0x80) ~= 0
	if band(b1, 0x70) ~= 0 then
		return nil, nil, "bad RSV1, RSV2, or RSV3 bits"
	end
	local opcode = band(b1, 0x0f)
	if opcode >= 0x3 and opcode <= 0x7 then
		return nil, nil, "reserved non-control frames"
	end
	if opcode >= 0xb then
		return nil, nil, "reserved control frames"
	end
	local masked = band(b2, 0x80) ~= 0
	if force_masking and not masked then
		return nil, nil, "frame unmasked"
	end
	local len
	len, err = payload_length(sock, band(b2, 0x7f))
	if not len then
		return nil, nil, err
	end
	local control = band(opcode, 0x8) ~= 0
	if control then
		if len > 125 then
			return nil, nil, "too long payload for control frame"
		end
		if not fin then
			return nil, nil, "fragmented control frame"
		end
	end
	if len > max_payload_len then
		return nil, nil, "exceeding max payload len"
	end

	local want = masked and len + 4 or len
	local data = ""
	if want > 0 then
		data, err = sock:receive(want)
		if not data then
			return nil, nil, "failed to read masking-len and payload: " .. (err or "unknown")
		end
	end
	local payload = data
	if masked then
		payload = mask(sub(data, 5), sub(data, 1, 4))
	end

	if opcode == 0x8 then
		if len == 0 then
			return "", "close", nil
		end
		if len < 2 then
			return nil, nil, "close frame with a body must carry a 2-byte status code"
		end
		local hi, lo = byte(payload, 1, 2)
		return sub(payload, 3), "close", bor(lshift(hi, 8), lo)
	end
	return payload, opcodes[opcode], not fin and "again" or nil
end

local function build_frame(fin, opcode, payload_len, payload, masking)
	local b1 = fin and bor(0x80, opcode) or opcode
	local b2, ext
	if payload_len <= 125 then
		b2, ext = payload_len, ""
	elseif payload_len <= 65535 then
		b2 = 126
		ext = char(band(rshift(payload_len, 8), 0xff), band(payload_len, 0xff))
	else
		if band(payload_len, 0x7fffffff) < payload_len then
			return nil, "payload too big"
		end
		b2 = 127
		ext = char(0, 0, 0, 0, band(rshift(payload_len, 24), 0xff), band(rshift(payload_len, 16), 0xff),
			band(rshift(payload_len, 8), 0xff), band(payload_len, 0xff))
	end
	local key = ""
	if masking then
		b2 = bor(b2, 0x80)
		local k = rand(0xffffffff)
		key = char(band(rshift(k, 24), 0xff), band(rshift(k, 16), 0xff), band(rshift(k, 8), 0xff), band(k, 0xff))
		payload = mask(payload, key)
	end
	return char(b1, b2) .. ext .. key .. payload
end
_M.build_frame = build_frame

function _M.send_frame(sock, fin, opcode, payload, max_payload_len, masking)
	if not payload then
		payload = ""
	elseif type(payload) ~= "string" then
		payload = tostring(payload)
	end
	local len = #payload
	if len > max_payload_len then
		return nil, "payload too big"
	end
	if band(opcode, 0x8) ~= 0 then
		if len > 125 then
			return nil, "too much payload for control frame"
		end
		if not fin then
			return nil, "fragmented control frame"
		end
	end
	local frame, err = build_frame(fin, opcode, len, payload, masking)
	if not frame then
		return nil, "failed to build frame: " .. err
	end
	local bytes
	bytes, err = sock:send(frame)
	if not bytes then
		return nil, "failed to send frame: " .. err
	end
	return bytes
end

return _M
`

var websocketProtocolModule = &builtin{name: "=resty/websocket/protocol.lua", src: websocketProtocolLua}

func openWebsocketProtocol(a *api) {
	websocketProtocolModule.preload(a.L, "resty.websocket.protocol", a.L.NewFunction(wsMask))
}

// wsMask is mask(payload, key): the payload XORed with the 4-byte masking
// key, byte i with key[i % 4] (RFC 6455 5.3).
func wsMask(L *lua.LState) int {
	p, key := L.CheckString(1), L.CheckString(2)
	if len(key) != 4 {
		L.ArgError(2, "4-byte key expected")
	}
	out := make([]byte, len(p))
	for i := 0; i < len(p); i++ {
		out[i] = p[i] ^ key[i&3]
	}
	L.Push(lua.LString(out))
	return 1
}
