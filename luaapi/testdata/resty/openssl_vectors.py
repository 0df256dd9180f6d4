#!/usr/bin/env python3
"""Makes aes_vectors.txt with the system's OpenSSL (libcrypto via ctypes),
calling the functions resty.aes calls: EVP_BytesToKey, then an
EVP_CIPHER_CTX initialised once and re-initialised with NULL key/iv before
each message, as resty.aes does. Run: python3 openssl_vectors.py > aes_vectors.txt
Line format: size mode hash rounds salt(hex|-) padding key(hex) plain(hex) -> cipher1(hex) cipher2(hex)
"""
import ctypes, ctypes.util

C = ctypes.CDLL(ctypes.util.find_library("crypto"))
for f in ("EVP_get_cipherbyname", "EVP_get_digestbyname", "EVP_CIPHER_CTX_new"):
    getattr(C, f).restype = ctypes.c_void_p
C.EVP_get_cipherbyname.argtypes = [ctypes.c_char_p]
C.EVP_get_digestbyname.argtypes = [ctypes.c_char_p]
C.EVP_BytesToKey.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p,
                             ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_char_p]
for f in ("EVP_EncryptInit_ex", "EVP_DecryptInit_ex"):
    getattr(C, f).argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]
C.EVP_EncryptUpdate.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_char_p, ctypes.c_int]
C.EVP_EncryptFinal_ex.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int)]
C.EVP_CIPHER_CTX_set_padding.argtypes = [ctypes.c_void_p, ctypes.c_int]

def encrypt(size, mode, md, rounds, salt, padding, key, plains):
    ciph = C.EVP_get_cipherbyname(("aes-%d-%s" % (size, "cfb" if mode == "cfb128" else mode)).encode())
    assert ciph
    dig = C.EVP_get_digestbyname(md.encode())
    k = ctypes.create_string_buffer(64); iv = ctypes.create_string_buffer(64)
    n = C.EVP_BytesToKey(ciph, dig, salt, key, len(key), rounds, k, iv)
    assert n == size // 8
    ctx = C.EVP_CIPHER_CTX_new()
    assert C.EVP_EncryptInit_ex(ctx, ciph, None, k, iv) == 1
    if not padding:
        C.EVP_CIPHER_CTX_set_padding(ctx, 0)
    outs = []
    for p in plains:
        buf = ctypes.create_string_buffer(len(p) + 32)
        l1 = ctypes.c_int(); l2 = ctypes.c_int()
        C.EVP_EncryptInit_ex(ctx, None, None, None, None)
        if C.EVP_EncryptUpdate(ctx, buf, ctypes.byref(l1), p, len(p)) == 0:
            outs.append("nil"); continue
        tail = ctypes.cast(ctypes.addressof(buf) + l1.value, ctypes.c_char_p)
        if C.EVP_EncryptFinal_ex(ctx, tail, ctypes.byref(l2)) == 0:
            outs.append("nil"); continue
        outs.append(buf.raw[: l1.value + l2.value].hex() or "-")
    return outs

cases = []
for size in (128, 192, 256):
    for mode in ("ecb", "cbc", "cfb1", "cfb8", "cfb128", "ofb", "ctr"):
        cases.append((size, mode, "md5", 1, None, True, b"secret", b"hello world, a message longer than one block"))
for md in ("md5", "sha1", "sha224", "sha256", "sha384", "sha512"):
    cases.append((256, "cbc", md, 5, b"MySalt!!", True, b"AKeyForAES-256-CBC", b"Really secret message!"))
cases.append((128, "cbc", "md5", 1, None, True, b"AKeyForAES", b"Secret message!"))
cases.append((128, "cbc", "md5", 1, None, True, b"AKeyForAES", b""))
cases.append((128, "cbc", "sha1", 3, b"12345678", True, b"k", b"exactly 16 bytes"))
cases.append((128, "cbc", "md5", 1, None, False, b"k", b"exactly 16 bytes"))
cases.append((128, "ecb", "md5", 1, None, False, b"k", b"not a multiple"))
for c in cases:
    size, mode, md, rounds, salt, padding, key, plain = c
    outs = encrypt(size, mode, md, rounds, salt, padding, key, [plain, plain])
    print(size, mode, md, rounds, salt.hex() if salt else "-", "pad" if padding else "nopad",
          key.hex(), plain.hex() or "-", "->", *outs)
