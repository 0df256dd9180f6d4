package resty

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"hash"

	lua "github.com/yuin/gopher-lua"
)

// aesModes are the cipher modes aes.cipher accepts.
var aesModes = map[string]bool{"ecb": true, "cbc": true, "cfb1": true, "cfb8": true, "cfb128": true, "ofb": true, "ctr": true}

// aesCipher is the "method" of an aes.cipher(size, mode) table.
type aesCipher struct {
	size int // key bits
	mode string
}

// ivLen is the cipher's IV length, as OpenSSL's EVP_CIPHER_iv_length.
func (c *aesCipher) ivLen() int {
	if c.mode == "ecb" {
		return 0
	}
	return aes.BlockSize
}

// aesObj is an object made by aes:new.
type aesObj struct {
	block   cipher.Block
	mode    string
	iv      []byte
	padding bool
	// ctr mode only: the counters of the encrypt and decrypt contexts.
	// OpenSSL keeps a context's counter across resty.aes calls (it resets
	// the IV of every other mode), so the n-th message starts where the
	// previous one left off, at the next whole block.
	encCtr, decCtr []byte
}

// openAES is resty.aes.
func openAES(L *lua.LState) int {
	m := L.NewTable()
	mt := L.NewTable()
	mt.RawSetString("__index", m)
	m.RawSetString("_VERSION", lua.LString(StringVersion))
	hashes := L.NewTable()
	for i := range aesHashes {
		ud := L.NewUserData()
		ud.Value = &aesHashes[i]
		hashes.RawSetString(aesHashes[i].name, ud)
	}
	m.RawSetString("hash", hashes)
	m.RawSetString("cipher", L.NewFunction(aesCipherFn))
	m.RawSetString("new", L.NewFunction(func(L *lua.LState) int { return aesNew(L, mt) }))
	m.RawSetString("encrypt", L.NewFunction(func(L *lua.LState) int {
		out, ok := checkAES(L).encrypt([]byte(checkBytes(L, 2, "encrypt")))
		return aesPush(L, out, ok)
	}))
	m.RawSetString("decrypt", L.NewFunction(func(L *lua.LState) int {
		out, ok := checkAES(L).decrypt([]byte(checkBytes(L, 2, "decrypt")))
		return aesPush(L, out, ok)
	}))
	L.Push(m)
	return 1
}

var aesHashes = hashes

func aesPush(L *lua.LState, b []byte, ok bool) int {
	if !ok {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(lua.LString(b))
	return 1
}

// aesCipherFn is aes.cipher(size?, mode?): {size=, cipher=, method=} or nil.
func aesCipherFn(L *lua.LState) int {
	size := 128
	if v, ok := L.Get(1).(lua.LNumber); ok {
		size = int(v)
	}
	mode := L.OptString(2, "cbc")
	if mode == "gcm" {
		L.RaiseError("resty.aes: the gcm mode is not supported by goresty")
	}
	if (size != 128 && size != 192 && size != 256) || !aesModes[mode] {
		L.Push(lua.LNil)
		return 1
	}
	t := L.NewTable()
	t.RawSetString("size", lua.LNumber(size))
	t.RawSetString("cipher", lua.LString(mode))
	ud := L.NewUserData()
	ud.Value = &aesCipher{size: size, mode: mode}
	t.RawSetString("method", ud)
	L.Push(t)
	return 1
}

// aesNew is aes:new(key, salt?, cipher?, hash?, hash_rounds?, iv_len?,
// enable_padding?). With a hash table {iv=, method=?} the key (or
// method(key)) and iv are used as they are; otherwise key and iv come from
// OpenSSL's EVP_BytesToKey(cipher, hash, salt, key, hash_rounds).
func aesNew(L *lua.LState, mt *lua.LTable) int {
	key := checkBytes(L, 2, "new")
	c := &aesCipher{size: 128, mode: "cbc"}
	if t, ok := L.Get(4).(*lua.LTable); ok {
		if ud, ok := t.RawGetString("method").(*lua.LUserData); ok {
			if cc, ok := ud.Value.(*aesCipher); ok {
				c = cc
			}
		}
	}
	keyLen := c.size / 8
	ivLen := L.OptInt(7, aes.BlockSize)
	var k, iv []byte
	switch h := L.Get(5).(type) {
	case *lua.LTable:
		ivs, ok := h.RawGetString("iv").(lua.LString)
		if !ok || len(ivs) != ivLen {
			return fail(L, "bad iv")
		}
		k = []byte(key)
		if fn := h.RawGetString("method"); fn != lua.LNil {
			L.Push(fn)
			L.Push(lua.LString(key))
			L.Call(1, 1)
			k = []byte(lua.LVAsString(L.Get(-1)))
			L.Pop(1)
		}
		if len(k) != keyLen {
			return fail(L, "bad key length")
		}
		iv = []byte(ivs)
	default:
		md := &aesHashes[0]
		if ud, ok := h.(*lua.LUserData); ok {
			if hk, ok := ud.Value.(*hashKind); ok {
				md = hk
			}
		}
		var salt []byte
		if s, ok := L.Get(3).(lua.LString); ok {
			if len(s) != 8 {
				return fail(L, "salt must be 8 characters or nil")
			}
			salt = []byte(s)
		}
		k, iv = BytesToKey(md.new, salt, []byte(key), L.OptInt(6, 1), keyLen, c.ivLen())
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		L.Push(lua.LNil)
		return 1
	}
	padding := true
	if v := L.Get(8); v != lua.LNil {
		padding = lua.LVAsBool(v)
	}
	if c.ivLen() == 0 {
		iv = nil
	}
	ud := L.NewUserData()
	o := &aesObj{block: block, mode: c.mode, iv: iv, padding: padding}
	if c.mode == "ctr" {
		o.encCtr = append([]byte{}, iv...)
		o.decCtr = append([]byte{}, iv...)
	}
	ud.Value = o
	ud.Metatable = mt
	L.Push(ud)
	return 1
}

func fail(L *lua.LState, msg string) int {
	L.Push(lua.LNil)
	L.Push(lua.LString(msg))
	return 2
}

func checkAES(L *lua.LState) *aesObj {
	if ud, ok := L.Get(1).(*lua.LUserData); ok {
		if o, ok := ud.Value.(*aesObj); ok {
			return o
		}
	}
	L.RaiseError("bad argument #1 (aes object expected, got %s): call it as obj:method()", L.Get(1).Type())
	return nil
}

// BytesToKey is OpenSSL's EVP_BytesToKey: D_i = hash^count(D_{i-1} ||
// data || salt), concatenated until keyLen + ivLen bytes are made.
func BytesToKey(newHash func() hash.Hash, salt, data []byte, count, keyLen, ivLen int) (key, iv []byte) {
	var out, prev []byte
	for len(out) < keyLen+ivLen {
		h := newHash()
		h.Write(prev)
		h.Write(data)
		h.Write(salt)
		d := h.Sum(nil)
		for i := 1; i < count; i++ {
			h.Reset()
			h.Write(d)
			d = h.Sum(nil)
		}
		out = append(out, d...)
		prev = d
	}
	return out[:keyLen], out[keyLen : keyLen+ivLen]
}

// encrypt runs the whole message from the initial IV, as resty.aes does by
// re-initialising its context on every call.
func (o *aesObj) encrypt(in []byte) ([]byte, bool) {
	bs := aes.BlockSize
	if o.mode == "ecb" || o.mode == "cbc" {
		if o.padding {
			n := bs - len(in)%bs
			in = append(append([]byte{}, in...), bytes.Repeat([]byte{byte(n)}, n)...)
		} else if len(in)%bs != 0 {
			return nil, false
		}
	}
	out := make([]byte, len(in))
	o.stream(out, in, true)
	return out, true
}

// ctrNext returns the counter for a message of n bytes and advances it.
func ctrNext(ctr []byte, n int) []byte {
	cur := append([]byte{}, ctr...)
	for blocks := (n + aes.BlockSize - 1) / aes.BlockSize; blocks > 0; blocks-- {
		for i := len(ctr) - 1; i >= 0; i-- {
			ctr[i]++
			if ctr[i] != 0 {
				break
			}
		}
	}
	return cur
}

func (o *aesObj) decrypt(in []byte) ([]byte, bool) {
	bs := aes.BlockSize
	block := o.mode == "ecb" || o.mode == "cbc"
	if block && len(in)%bs != 0 {
		return nil, false
	}
	out := make([]byte, len(in))
	o.stream(out, in, false)
	if block && o.padding {
		if len(out) == 0 {
			return nil, false
		}
		n := int(out[len(out)-1])
		if n == 0 || n > bs {
			return nil, false
		}
		for _, c := range out[len(out)-n:] {
			if int(c) != n {
				return nil, false
			}
		}
		out = out[:len(out)-n]
	}
	return out, true
}

// stream runs the mode over whole input (block modes: padded already).
func (o *aesObj) stream(out, in []byte, enc bool) {
	b := o.block
	iv := append([]byte{}, o.iv...)
	switch o.mode {
	case "ecb":
		for i := 0; i < len(in); i += aes.BlockSize {
			if enc {
				b.Encrypt(out[i:], in[i:])
			} else {
				b.Decrypt(out[i:], in[i:])
			}
		}
	case "cbc":
		if enc {
			cipher.NewCBCEncrypter(b, iv).CryptBlocks(out, in)
		} else {
			cipher.NewCBCDecrypter(b, iv).CryptBlocks(out, in)
		}
	case "cfb128":
		cfbBits(b, iv, out, in, enc, 128)
	case "cfb8":
		cfbBits(b, iv, out, in, enc, 8)
	case "cfb1":
		cfbBits(b, iv, out, in, enc, 1)
	case "ofb":
		var ks [aes.BlockSize]byte
		for i := range in {
			if i%aes.BlockSize == 0 {
				b.Encrypt(iv, iv)
				copy(ks[:], iv)
			}
			out[i] = in[i] ^ ks[i%aes.BlockSize]
		}
	case "ctr":
		ctr := o.encCtr
		if !enc {
			ctr = o.decCtr
		}
		cipher.NewCTR(b, ctrNext(ctr, len(in))).XORKeyStream(out, in)
	}
}
