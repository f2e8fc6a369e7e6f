package models

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// residentIDWeights are the ISO 7064 MOD 11-2 weights of the first 17 digits (GB 11643-1999).
var residentIDWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// residentIDCheck maps the weighted sum modulo 11 to the check character.
const residentIDCheck = "10X98765432"

// ResidentIDError says why a resident ID number (公民身份号码) is not valid, in English and in
// Chinese. It never repeats the number or the birth date: they are personal data.
type ResidentIDError struct {
	Reason   string
	ReasonZH string
}

// Error returns "models: invalid resident ID number: " and the English reason.
func (e *ResidentIDError) Error() string { return "models: invalid resident ID number: " + e.Reason }

func idErr(reason, reasonZH string) *ResidentIDError {
	return &ResidentIDError{Reason: reason, ReasonZH: reasonZH}
}

// ParseResidentID checks an 18-character resident ID number (GB 11643-1999) and returns it in
// canonical form: surrounding spaces trimmed, a final x upper-cased. The first two digits must
// be a province (or 83, the prefix of Taiwan residents' residence permits), characters 7–14 a
// real birth date between 1900-01-01 and today in China, and the last character the
// MOD 11-2 check. The error is a *ResidentIDError.
func ParseResidentID(s string) (string, error) {
	return parseResidentID(s, DateOf(time.Now()))
}

func parseResidentID(s string, today Date) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", idErr("it is empty", "未填写身份证号码")
	}
	if n := utf8.RuneCountInString(s); n != 18 {
		return "", idErr(
			fmt.Sprintf("it must be 18 characters long, not %d", n),
			fmt.Sprintf("身份证号码应为18位，当前为%d位", n))
	}
	if _, ok := atoiDigits(s[:17]); !ok {
		return "", idErr("the first 17 characters must be digits", "身份证号码前17位应为数字")
	}
	if s[17] == 'x' {
		s = s[:17] + "X"
	}
	if c := s[17]; c != 'X' && (c < '0' || c > '9') {
		return "", idErr("the last character must be a digit or X", "身份证号码最后一位应为数字或X")
	}
	if ProvinceOf(s[:6]) == "" && s[:2] != "83" {
		return "", idErr(
			fmt.Sprintf("the first two digits (%s) are not a province code", s[:2]),
			fmt.Sprintf("前两位“%s”不是有效的省级行政区划代码", s[:2]))
	}
	birth, err := ParseDate(s[6:10] + "-" + s[10:12] + "-" + s[12:14])
	switch {
	case err != nil:
		return "", idErr("the birth date (characters 7–14) is not a real date", "出生日期（第7至14位）不是有效日期")
	case birth.After(today):
		return "", idErr("the birth date (characters 7–14) is in the future", "出生日期（第7至14位）晚于今天")
	case birth.Year < 1900:
		return "", idErr("the birth date (characters 7–14) is before 1900", "出生日期（第7至14位）早于1900年")
	}
	if residentIDCheckChar(s[:17]) != s[17] {
		return "", idErr(
			"the check character (the 18th) does not match the first 17; a digit is probably mistyped",
			"校验位（第18位）与前17位不符，可能有数字输入错误")
	}
	return s, nil
}

// residentIDCheckChar computes the check character of 17 digits.
func residentIDCheckChar(first17 string) byte {
	sum := 0
	for i := range 17 {
		sum += int(first17[i]-'0') * residentIDWeights[i]
	}
	return residentIDCheck[sum%11]
}

// MaskID hides an ID number for display: the first 6 and last 4 characters stay and every one
// between becomes a star (110101********1234). A value of 10 characters or fewer is all stars.
func MaskID(id string) string {
	return maskMiddle(strings.TrimSpace(id), 6, 4)
}

// MaskPhone hides a phone number for display: the first 3 and last 4 characters stay
// (138****5678). A value of 7 characters or fewer is all stars.
func MaskPhone(phone string) string {
	return maskMiddle(strings.TrimSpace(phone), 3, 4)
}

// maskMiddle keeps head and tail runes of s and stars the rest; when nothing would be hidden it
// stars everything.
func maskMiddle(s string, head, tail int) string {
	r := []rune(s)
	if len(r) <= head+tail {
		return strings.Repeat("*", len(r))
	}
	return string(r[:head]) + strings.Repeat("*", len(r)-head-tail) + string(r[len(r)-tail:])
}

// compoundSurnames are the two-character surnames MaskName keeps whole.
var compoundSurnames = map[string]bool{
	"欧阳": true, "司马": true, "上官": true, "诸葛": true, "东方": true, "皇甫": true, "尉迟": true,
	"公孙": true, "慕容": true, "长孙": true, "宇文": true, "司徒": true, "司空": true, "夏侯": true,
	"轩辕": true, "令狐": true, "端木": true, "独孤": true, "南宫": true, "西门": true, "百里": true,
	"呼延": true, "澹台": true, "公冶": true, "宗政": true, "濮阳": true, "太史": true, "申屠": true,
	"钟离": true, "闻人": true, "赫连": true, "万俟": true, "拓跋": true, "第五": true, "左丘": true,
}

// MaskName hides a person's name for display: the surname stays and each other character becomes
// a star (张三 → 张*, 欧阳娜娜 → 欧阳**). A common compound surname is kept whole; a one-character
// name becomes a single star.
func MaskName(name string) string {
	r := []rune(strings.TrimSpace(name))
	keep := 1
	if len(r) > 2 && compoundSurnames[string(r[:2])] {
		keep = 2
	}
	if len(r) <= 1 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:keep]) + strings.Repeat("*", len(r)-keep)
}

// residentIDArgs are the arguments of a CodeResidentID field error for err (a *ResidentIDError):
// its reason in English and in Chinese, which never repeat the number.
func residentIDArgs(err error) Args {
	var ie *ResidentIDError
	if errors.As(err, &ie) {
		return Args{"reason": ie.Reason, "reason_zh": ie.ReasonZH}
	}
	return Args{"reason": "not a resident ID number", "reason_zh": "身份证号码不正确"}
}
