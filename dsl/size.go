package dsl

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// sizeUnits maps a lower-case suffix to its multiplier. Decimal units spell a
// B (1GB = 10^9); binary units spell iB or stand alone (1G = 1GiB), as Slurm's
// --mem and docker do, so "100M" means what cluster users expect.
var sizeUnits = map[string]float64{
	"":    1,
	"b":   1,
	"k":   1 << 10,
	"kib": 1 << 10,
	"kb":  1e3,
	"m":   1 << 20,
	"mib": 1 << 20,
	"mb":  1e6,
	"g":   1 << 30,
	"gib": 1 << 30,
	"gb":  1e9,
	"t":   1 << 40,
	"tib": 1 << 40,
	"tb":  1e12,
	"p":   1 << 50,
	"pib": 1 << 50,
	"pb":  1e15,
}

// ParseSize reads a byte size such as "512MiB", "1.5GB", "100M" or "4096".
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, fmt.Errorf("empty size")
	}
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	num, rawUnit := t[:i], strings.TrimSpace(t[i:])
	unit := strings.ToLower(rawUnit)
	if num == "" {
		if strings.HasPrefix(t, "-") {
			return 0, fmt.Errorf("size %q is negative", s)
		}
		return 0, fmt.Errorf("size %q does not start with a number", s)
	}
	mult, ok := sizeUnits[unit]
	if !ok {
		return 0, fmt.Errorf("size %q has an unknown unit %q (use B, KiB, MiB, GiB, TiB, or KB, MB, GB, TB)", s, rawUnit)
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("size %q is not a number", s)
	}
	v := f * mult
	if v >= math.MaxInt64 {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	if v != math.Trunc(v) && mult == 1 {
		return 0, fmt.Errorf("size %q is not a whole number of bytes", s)
	}
	return int64(v), nil
}
