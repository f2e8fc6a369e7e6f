package models

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// usccAlphabet holds the 31 characters of GB 32100-2015; a character's value is its index.
const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// usccWeights are the weights of the first 17 characters in the check sum.
var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// USCCWarningNotCompany is the warning ParseUSCC gives for a valid code that does not start with
// "91": P2P lending operators are companies registered with the market regulator.
const USCCWarningNotCompany = "it does not start with 91: P2P lending operators are companies registered with the market regulator, whose codes start with 91"

// USCCWarningNotCompanyZH is USCCWarningNotCompany in Chinese, for the UI.
const USCCWarningNotCompanyZH = "该代码不以“91”开头：网贷机构应为在市场监管部门登记的企业，其代码以“91”开头"

// USCCError says why a unified social credit code (统一社会信用代码) is not valid, in English
// and in Chinese. It never repeats the whole code.
type USCCError struct {
	Reason   string
	ReasonZH string
}

// Error returns "models: invalid USCC: " and the English reason.
func (e *USCCError) Error() string { return "models: invalid USCC: " + e.Reason }

func usccErr(reason, reasonZH string) *USCCError {
	return &USCCError{Reason: reason, ReasonZH: reasonZH}
}

// ParseUSCC checks a unified social credit code (GB 32100-2015) and returns it in canonical form:
// surrounding spaces trimmed, lower-case letters upper-cased. It checks the length, the alphabet
// (no I, O, S, V or Z), the division code in characters 3–8 (its province must exist) and the
// check character. A valid code that does not start with "91" is returned with a warning
// (USCCWarningNotCompany), not an error. The error is a *USCCError.
func ParseUSCC(s string) (uscc string, warning string, err error) {
	s = upperASCII(strings.TrimSpace(s))
	if s == "" {
		return "", "", usccErr("it is empty", "未填写统一社会信用代码")
	}
	if n := utf8.RuneCountInString(s); n != 18 {
		return "", "", usccErr(
			fmt.Sprintf("it must be 18 characters long, not %d", n),
			fmt.Sprintf("统一社会信用代码应为18位，当前为%d位", n))
	}
	if err := checkUSCCChars(s, 0); err != nil {
		return "", "", err
	}
	if err := checkUSCCDivision(s[2:8], "characters 3–8", "第3至8位"); err != nil {
		return "", "", err
	}
	if usccCheck(s[:17]) != s[17] {
		return "", "", usccErr(
			"the check character (the 18th) does not match the first 17; a character is probably mistyped",
			"校验位（第18位）与前17位不符，可能有字符输入错误")
	}
	if !strings.HasPrefix(s, "91") {
		warning = USCCWarningNotCompany
	}
	return s, warning, nil
}

// USCCCheckChar returns the check character (the 18th) of the first 17 characters of a USCC.
// Lower-case letters are taken as upper case; the error is a *USCCError.
func USCCCheckChar(first17 string) (byte, error) {
	first17 = upperASCII(first17)
	if n := utf8.RuneCountInString(first17); n != 17 {
		return 0, usccErr(
			fmt.Sprintf("the check character needs 17 characters, not %d", n),
			fmt.Sprintf("计算校验位需要前17位，当前为%d位", n))
	}
	if err := checkUSCCChars(first17, 0); err != nil {
		return 0, err
	}
	return usccCheck(first17), nil
}

// MakeUSCC builds the code of a company ("91"), from a 6-digit division code and a 9-character
// organisation code, and appends the check character. Demo data and tests use it; the error is
// a *USCCError.
func MakeUSCC(division string, org string) (string, error) {
	org = upperASCII(org)
	if err := checkUSCCDivision(division, "the division code", "行政区划代码"); err != nil {
		return "", err
	}
	if n := utf8.RuneCountInString(org); n != 9 {
		return "", usccErr(
			fmt.Sprintf("the organisation code must be 9 characters long, not %d", n),
			fmt.Sprintf("组织机构代码应为9位，当前为%d位", n))
	}
	if err := checkUSCCChars(org, 8); err != nil {
		return "", err
	}
	first17 := "91" + division + org
	return first17 + string(usccCheck(first17)), nil
}

// checkUSCCChars checks that every character of s is in the alphabet; offset is the position of
// s in the whole code, so that reasons name the right character.
func checkUSCCChars(s string, offset int) error {
	pos := offset
	for _, r := range s {
		pos++
		if r < utf8.RuneSelf && strings.IndexByte(usccAlphabet, byte(r)) >= 0 {
			continue
		}
		if strings.ContainsRune("IOSVZ", r) {
			return usccErr(
				fmt.Sprintf("character %d is the letter %c, which is never used (no I, O, S, V or Z)", pos, r),
				fmt.Sprintf("第%d位为字母%c，统一社会信用代码不使用I、O、S、V、Z", pos, r))
		}
		return usccErr(
			fmt.Sprintf("character %d (%q) is neither a digit nor an allowed capital letter", pos, string(r)),
			fmt.Sprintf("第%d位“%s”不是数字或允许的大写字母", pos, usccShowRune(r)))
	}
	return nil
}

// checkUSCCDivision checks that div is six digits whose first two name a province.
func checkUSCCDivision(div, where, whereZH string) error {
	if _, ok := atoiDigits(div); !ok || len(div) != 6 {
		return usccErr(
			where+" must be the six-digit administrative division code",
			whereZH+"应为6位数字的行政区划代码")
	}
	if ProvinceOf(div) == "" {
		return usccErr(
			fmt.Sprintf("%s: %s is not a division code of China (no province starts with %s)", where, div, div[:2]),
			fmt.Sprintf("%s“%s”不是有效的行政区划代码（没有以%s开头的省级行政区）", whereZH, div, div[:2]))
	}
	return nil
}

// usccCheck computes the check character of 17 characters already known to be in the alphabet.
func usccCheck(first17 string) byte {
	sum := 0
	for i := range 17 {
		sum += strings.IndexByte(usccAlphabet, first17[i]) * usccWeights[i]
	}
	return usccAlphabet[(31-sum%31)%31]
}

// usccShowRune shows r as itself, or as U+XXXX when it is invisible.
func usccShowRune(r rune) string {
	if unicode.IsPrint(r) {
		return string(r)
	}
	return fmt.Sprintf("%U", r)
}

// upperASCII upper-cases ASCII letters only, so that no other character changes length.
func upperASCII(s string) string {
	return strings.Map(func(r rune) rune {
		if 'a' <= r && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}, s)
}

// usccArgs are the arguments of a CodeUSCC field error for err (a *USCCError): its reason in
// English and in Chinese.
func usccArgs(err error) Args {
	var ue *USCCError
	if errors.As(err, &ue) {
		return Args{"reason": ue.Reason, "reason_zh": ue.ReasonZH}
	}
	return Args{"reason": err.Error(), "reason_zh": "统一社会信用代码不正确"}
}
