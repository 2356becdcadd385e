// Copyright 2020 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style license (Go's LICENSE file:
// https://go.dev/LICENSE). Adapted from Go 1.26 src/internal/strconv/atofeisel.go and pow10tab.go.

package traces

import (
	"math"
	"math/bits"
)

// The workload CSVs written by Go hold shortest round-trip floats of up to 17 significant digits,
// which strconv.ParseFloat parses only after a general (underscores, exponents, hex) scan. The
// Eisel-Lemire algorithm below is the one ParseFloat itself uses on such a mantissa, restricted to
// the exponents 1e-19..1e0 that a plain decimal of at most 19 digits needs; it either returns the
// correctly rounded float64 (what ParseFloat returns) or says it cannot tell, and the caller falls
// back to ParseFloat.

// pow10Neg[i] is the 128-bit normalized mantissa of 1e-i (Go's pow10Tab entries for 1e-19..1e0).
var pow10Neg = [20][2]uint64{
	{0x8000000000000000, 0x0000000000000000}, // 1e0 * 2**127
	{0xcccccccccccccccc, 0xcccccccccccccccc}, // 1e-1 * 2**131
	{0xa3d70a3d70a3d70a, 0x3d70a3d70a3d70a3}, // 1e-2 * 2**134
	{0x83126e978d4fdf3b, 0x645a1cac083126e9}, // 1e-3 * 2**137
	{0xd1b71758e219652b, 0xd3c36113404ea4a8}, // 1e-4 * 2**141
	{0xa7c5ac471b478423, 0x0fcf80dc33721d53}, // 1e-5 * 2**144
	{0x8637bd05af6c69b5, 0xa63f9a49c2c1b10f}, // 1e-6 * 2**147
	{0xd6bf94d5e57a42bc, 0x3d32907604691b4c}, // 1e-7 * 2**151
	{0xabcc77118461cefc, 0xfdc20d2b36ba7c3d}, // 1e-8 * 2**154
	{0x89705f4136b4a597, 0x31680a88f8953030}, // 1e-9 * 2**157
	{0xdbe6fecebdedd5be, 0xb573440e5a884d1b}, // 1e-10 * 2**161
	{0xafebff0bcb24aafe, 0xf78f69a51539d748}, // 1e-11 * 2**164
	{0x8cbccc096f5088cb, 0xf93f87b7442e45d3}, // 1e-12 * 2**167
	{0xe12e13424bb40e13, 0x2865a5f206b06fb9}, // 1e-13 * 2**171
	{0xb424dc35095cd80f, 0x538484c19ef38c94}, // 1e-14 * 2**174
	{0x901d7cf73ab0acd9, 0x0f9d37014bf60a10}, // 1e-15 * 2**177
	{0xe69594bec44de15b, 0x4c2ebe687989a9b3}, // 1e-16 * 2**181
	{0xb877aa3236a4b449, 0x09befeb9fad487c2}, // 1e-17 * 2**184
	{0x9392ee8e921d5d07, 0x3aff322e62439fcf}, // 1e-18 * 2**187
	{0xec1e4a7db69561a5, 0x2b31e9e3d06c32e5}, // 1e-19 * 2**191
}

// eiselLemire returns man * 10^-frac correctly rounded, for 0 <= frac <= 19, or ok false when the
// algorithm cannot decide (then strconv.ParseFloat must).
func eiselLemire(man uint64, frac int) (f float64, ok bool) {
	const mantBits, bias = 52, -1023
	if man == 0 {
		return 0, true
	}
	if frac < 0 || frac >= len(pow10Neg) {
		return 0, false
	}
	pow := pow10Neg[frac]
	e := -frac
	exp2 := 1 + (e*108853)>>15 // 1 + floor(e * log2(10))

	clz := bits.LeadingZeros64(man)
	man <<= uint(clz)
	retExp2 := uint64(exp2+63-bias) - uint64(clz)

	xHi, xLo := bits.Mul64(man, pow[0])
	if xHi&0x1FF == 0x1FF && xLo+man < man {
		yHi, yLo := bits.Mul64(man, pow[1])
		mergedHi, mergedLo := xHi, xLo+yHi
		if mergedLo < xLo {
			mergedHi++
		}
		if mergedHi&0x1FF == 0x1FF && mergedLo+1 == 0 && yLo+man < man {
			return 0, false
		}
		xHi, xLo = mergedHi, mergedLo
	}

	msb := xHi >> 63
	retMantissa := xHi >> (msb + 9)
	retExp2 -= 1 ^ msb

	if xLo == 0 && xHi&0x1FF == 0 && retMantissa&3 == 1 {
		return 0, false
	}

	retMantissa += retMantissa & 1
	retMantissa >>= 1
	if retMantissa>>53 > 0 {
		retMantissa >>= 1
		retExp2++
	}
	if retExp2-1 >= 0x7FF-1 {
		return 0, false
	}
	return math.Float64frombits(retExp2<<mantBits | retMantissa&(1<<mantBits-1)), true
}
