package event

import (
	"math"
	"strconv"
)

// decStatus says whether a JSON number could be scaled to an integer exactly.
type decStatus uint8

const (
	decOK       decStatus = iota
	decSyntax             // not a JSON number at all
	decFraction           // digits remain below the requested scale (e.g. 19.999 at scale 2)
	decOverflow           // the scaled magnitude does not fit in an int64
)

// decimal is the result of parseDecimal.
type decimal struct {
	mag    int64 // |value| × 10^scale, valid when status == decOK
	neg    bool  // a leading minus sign; -0 has neg set and zero set
	zero   bool  // every digit is 0, whatever the exponent
	status decStatus
}

// parseDecimal reads JSON number text exactly, without going through float64, and returns its
// magnitude multiplied by 10^scale. Money must not be rounded: 0.1+0.2 style errors would make
// sums differ from the source system. Exponents are handled exactly: "1e2" at scale 2 is 10000
// and "1999e-2" is 1999; trailing zeros are never a fraction ("19.900" is 1990 at scale 2).
func parseDecimal(b []byte, scale int) decimal {
	var d decimal
	i := 0
	if i < len(b) && b[i] == '-' {
		d.neg = true
		i++
	}
	intStart := i
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	intEnd := i
	if intEnd == intStart {
		d.status = decSyntax
		return d
	}
	fracStart, fracEnd := i, i
	if i < len(b) && b[i] == '.' {
		i++
		fracStart = i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		fracEnd = i
		if fracEnd == fracStart {
			d.status = decSyntax
			return d
		}
	}
	// Exponents are clamped to len(b)+40: beyond that any non-zero value already overflows
	// (or, for negative exponents, keeps a fraction) whatever its digits, so the verdict stays
	// exact while the arithmetic cannot overflow on inputs like 1e99999999999999999999.
	maxExp := len(b) + 40
	exp := 0
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		expNeg := false
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			expNeg = b[i] == '-'
			i++
		}
		expStart := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			if exp < maxExp {
				exp = exp*10 + int(b[i]-'0')
			}
			i++
		}
		if i == expStart {
			d.status = decSyntax
			return d
		}
		if exp > maxExp {
			exp = maxExp
		}
		if expNeg {
			exp = -exp
		}
	}
	if i != len(b) {
		d.status = decSyntax
		return d
	}

	// The digits, integer part then fraction, read as one integer D; value = D × 10^p.
	intLen := intEnd - intStart
	n := intLen + fracEnd - fracStart
	digit := func(k int) byte {
		if k < intLen {
			return b[intStart+k]
		}
		return b[fracStart+k-intLen]
	}
	p := exp - (fracEnd - fracStart) + scale
	// Drop trailing zeros into the exponent, so that 19.900 is not a fraction at scale 2.
	for n > 0 && digit(n-1) == '0' {
		n--
		p++
	}
	if n == 0 {
		d.zero = true
		return d
	}
	if p < 0 {
		d.status = decFraction
		return d
	}
	var v int64
	for k := 0; k < n; k++ {
		c := int64(digit(k) - '0')
		if v > (math.MaxInt64-c)/10 {
			d.status = decOverflow
			return d
		}
		v = v*10 + c
	}
	for ; p > 0; p-- {
		if v > math.MaxInt64/10 {
			d.status = decOverflow
			return d
		}
		v *= 10
	}
	d.mag = v
	return d
}

// formatMinor writes an amount in minor units as a decimal with exactly two places, e.g. 1990
// as "19.90", so that it is valid JSON number text that parseDecimal maps back to the same value.
func formatMinor(v int64) string {
	u := uint64(v)
	if v < 0 {
		u = -u // two's complement: exact even for math.MinInt64
	}
	buf := make([]byte, 0, 24)
	if v < 0 {
		buf = append(buf, '-')
	}
	buf = strconv.AppendUint(buf, u/100, 10)
	cents := u % 100
	buf = append(buf, '.', byte('0'+cents/10), byte('0'+cents%10))
	return string(buf)
}
