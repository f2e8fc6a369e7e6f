package models

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// idWithCheck appends the check character to 17 digits.
func idWithCheck(first17 string) string {
	return first17 + string(residentIDCheckChar(first17))
}

func TestIDCheckCharacter(t *testing.T) {
	// Published examples of GB 11643-1999 check characters.
	tests := map[string]byte{
		"11010519491231002": 'X',
		"44052418800101001": '4',
		"11010119900307123": '3',
	}
	for first17, want := range tests {
		if got := residentIDCheckChar(first17); got != want {
			t.Errorf("check of %s = %c, want %c", first17, got, want)
		}
	}
}

func TestIDParseValid(t *testing.T) {
	today := Date{2026, time.November, 25}
	tests := []struct{ in, want string }{
		{"11010519491231002X", "11010519491231002X"},
		{"11010519491231002x", "11010519491231002X"}, // lower x accepted
		{" 110101199003071233 ", "110101199003071233"},
		{idWithCheck("44030019900101123"), idWithCheck("44030019900101123")},
		{idWithCheck("65010220000229001"), idWithCheck("65010220000229001")}, // leap day
		{idWithCheck("81000019851010002"), idWithCheck("81000019851010002")}, // Hong Kong residence permit
		{idWithCheck("83000019851010002"), idWithCheck("83000019851010002")}, // Taiwan residence permit
		{idWithCheck("11010120261125001"), idWithCheck("11010120261125001")}, // born today
		{idWithCheck("11010119000101001"), idWithCheck("11010119000101001")},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseResidentID(tc.in, today)
			if err != nil || got != tc.want {
				t.Fatalf("parseResidentID(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}

	// Random valid numbers from every province parse, through the exported function too.
	rng := rand.New(rand.NewPCG(3, 4))
	for range 1000 {
		province := Divisions()[rng.IntN(34)].Code[:2]
		birth := Date{1930, time.January, 1}.AddDays(rng.IntN(30000))
		first17 := province + "0101" + strings.ReplaceAll(birth.String(), "-", "") + fmt.Sprintf("%03d", rng.IntN(1000))
		id := idWithCheck(first17)
		if got, err := ParseResidentID(id); err != nil || got != id {
			t.Fatalf("ParseResidentID(%q) = %q, %v", id, got, err)
		}
	}
}

func TestIDParseInvalid(t *testing.T) {
	today := Date{2026, time.November, 25}
	valid := idWithCheck("11010119900307123")
	tests := []struct {
		name, in, reason, reasonZH string
	}{
		{"empty", "", "it is empty", "未填写"},
		{"17 digits", valid[:17], "18 characters long, not 17", "当前为17位"},
		{"old 15 digits", "110101900307123", "not 15", "当前为15位"},
		{"19 digits", valid + "1", "not 19", "当前为19位"},
		{"letter inside", "1101011990030A1234", "first 17 characters must be digits", "前17位应为数字"},
		{"full-width digits", "１１0101199003071233", "first 17 characters must be digits", "前17位应为数字"},
		{"X inside", "11010119900307X234", "first 17", "前17位"},
		{"bad last character", valid[:17] + "Y", "last character must be a digit or X", "最后一位"},
		{"province 99", idWithCheck("99010119900307123"), "first two digits (99)", "“99”"},
		{"province 00", idWithCheck("00010119900307123"), "not a province code", "省级"},
		{"February 30", idWithCheck("11010119900230123"), "not a real date", "不是有效日期"},
		{"February 29 of 1990", idWithCheck("11010119900229123"), "not a real date", "不是有效日期"},
		{"month 13", idWithCheck("11010119901301123"), "not a real date", "不是有效日期"},
		{"day 00", idWithCheck("11010119900100123"), "not a real date", "不是有效日期"},
		{"tomorrow", idWithCheck("11010120261126123"), "in the future", "晚于今天"},
		{"next century", idWithCheck("11010121010101123"), "in the future", "晚于今天"},
		{"1899", idWithCheck("11010118991231123"), "before 1900", "早于1900年"},
		{"wrong check", valid[:17] + "5", "check character", "校验位"},
		{"typo", "110101199003081233", "check character", "校验位"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseResidentID(tc.in, today)
			var ie *ResidentIDError
			if !errors.As(err, &ie) || got != "" {
				t.Fatalf("parseResidentID(%q) = %q, %v; want a *ResidentIDError", tc.in, got, err)
			}
			if !strings.Contains(ie.Reason, tc.reason) || !strings.Contains(ie.ReasonZH, tc.reasonZH) {
				t.Errorf("reasons %q / %q, want %q / %q", ie.Reason, ie.ReasonZH, tc.reason, tc.reasonZH)
			}
			if err.Error() != "models: invalid resident ID number: "+ie.Reason {
				t.Errorf("Error() = %q", err)
			}
			// Personal data never goes into the message.
			if len(tc.in) >= 14 && strings.Contains(err.Error()+ie.ReasonZH, tc.in[6:14]) {
				t.Errorf("the message repeats the birth date: %q", err)
			}
		})
	}

	// Every single-digit change of a valid number is rejected.
	for i := range 17 {
		for d := byte('0'); d <= '9'; d++ {
			if d == valid[i] {
				continue
			}
			changed := valid[:i] + string(d) + valid[i+1:]
			if _, err := parseResidentID(changed, today); err == nil {
				t.Errorf("parseResidentID(%q) accepted a one-digit change", changed)
			}
		}
	}
}

func TestIDMask(t *testing.T) {
	tests := []struct {
		name string
		fn   func(string) string
		in   string
		want string
	}{
		{"ID", MaskID, "110101199003071234", "110101********1234"},
		{"ID with X", MaskID, "11010519491231002X", "110105********002X"},
		{"ID with spaces", MaskID, " 110101199003071234 ", "110101********1234"},
		{"15-digit ID", MaskID, "110101900307123", "110101*****7123"},
		{"short ID", MaskID, "1234567890", "**********"},
		{"empty ID", MaskID, "", ""},
		{"phone", MaskPhone, "13812345678", "138****5678"},
		{"landline", MaskPhone, "010-12345678", "010*****5678"},
		{"short phone", MaskPhone, "1234567", "*******"},
		{"empty phone", MaskPhone, "", ""},
		{"two characters", MaskName, "张三", "张*"},
		{"three characters", MaskName, "张三丰", "张**"},
		{"compound surname", MaskName, "欧阳娜娜", "欧阳**"},
		{"compound surname, one-character given name", MaskName, "欧阳修", "欧阳*"},
		{"compound surname alone", MaskName, "欧阳", "欧*"},
		{"one character", MaskName, "张", "*"},
		{"spaces", MaskName, " 李四 ", "李*"},
		{"Latin", MaskName, "Anna", "A***"},
		{"empty name", MaskName, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.fn(tc.in); got != tc.want {
				t.Errorf("mask(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
