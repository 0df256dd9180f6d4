package resty

import (
	"crypto/aes"
	"crypto/cipher"
)

// cfbBits is CFB with a feedback of n bits (1, 8 or 128), as OpenSSL's
// aes-*-cfb1, cfb8 and cfb(128). reg is the shift register (the IV).
func cfbBits(b cipher.Block, reg, out, in []byte, enc bool, n int) {
	var ks [aes.BlockSize]byte
	switch n {
	case 128:
		for i := range in {
			j := i % aes.BlockSize
			if j == 0 {
				b.Encrypt(ks[:], reg)
			}
			out[i] = in[i] ^ ks[j]
			if enc {
				reg[j] = out[i]
			} else {
				reg[j] = in[i]
			}
		}
	case 8:
		for i := range in {
			b.Encrypt(ks[:], reg)
			out[i] = in[i] ^ ks[0]
			c := out[i]
			if !enc {
				c = in[i]
			}
			copy(reg, reg[1:])
			reg[aes.BlockSize-1] = c
		}
	case 1:
		for i := range in {
			var o byte
			for bit := 7; bit >= 0; bit-- {
				b.Encrypt(ks[:], reg)
				ib := in[i] >> uint(bit) & 1
				ob := ib ^ ks[0]>>7
				o |= ob << uint(bit)
				c := ob
				if !enc {
					c = ib
				}
				shiftLeft1(reg, c)
			}
			out[i] = o
		}
	}
}

// shiftLeft1 shifts reg left by one bit, bringing in bit c at the end.
func shiftLeft1(reg []byte, c byte) {
	for i := 0; i < len(reg)-1; i++ {
		reg[i] = reg[i]<<1 | reg[i+1]>>7
	}
	reg[len(reg)-1] = reg[len(reg)-1]<<1 | c
}
