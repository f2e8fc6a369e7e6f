package app

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// yuanText is an amount of yuan as people type it once separators and the currency sign are gone:
// digits and at most two decimals.
var yuanText = regexp.MustCompile(`^[0-9]{1,16}(\.[0-9]{1,2})?$`)

// fenOfYuan converts an amount typed in yuan ("12,345.6", "¥1 000", "300元") to integer fen exactly,
// from the text, never through a float; anything else is not an amount.
func fenOfYuan(s string) (int64, bool) {
	s = strings.NewReplacer(",", "", "，", "", " ", "", "¥", "", "￥", "", "元", "").Replace(strings.TrimSpace(s))
	if !yuanText.MatchString(s) {
		return 0, false
	}
	whole, frac, _ := strings.Cut(s, ".")
	w, err1 := strconv.ParseInt(whole, 10, 64)
	f, err2 := strconv.ParseInt((frac + "00")[:2], 10, 64)
	if err1 != nil || err2 != nil || w > (1<<62)/100 {
		return 0, false
	}
	return w*100 + f, true
}

// yuanOfFen writes fen as plain yuan for form fields and spreadsheets: 123456 → "1234.56".
func yuanOfFen(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s%d.%02d", sign, fen/100, fen%100)
}
