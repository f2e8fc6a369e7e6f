package models

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

const usccExample = "91350100M000100Y43"

func TestUSCCValid(t *testing.T) {
	tests := []struct {
		in, want, warning string
	}{
		{usccExample, usccExample, ""},
		{strings.ToLower(usccExample), usccExample, ""},
		{"91350100m000100y43", usccExample, ""},
		{"  " + usccExample + "\t\n", usccExample, ""},
		{"\u3000" + usccExample + "\u3000", usccExample, ""}, // ideographic spaces from a Chinese IME
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, warning, err := ParseUSCC(tc.in)
			if err != nil || got != tc.want || warning != tc.warning {
				t.Fatalf("ParseUSCC(%q) = %q, %q, %v; want %q", tc.in, got, warning, err, tc.want)
			}
		})
	}

	// A valid code of another kind of entity is accepted with a warning.
	for _, prefix := range []string{"92", "93", "11", "51", "Y1", "31"} {
		code, err := USCCCheckChar(prefix + "350100M000100Y4")
		if err != nil {
			t.Fatal(err)
		}
		in := prefix + "350100M000100Y4" + string(code)
		got, warning, err := ParseUSCC(in)
		if err != nil || got != in || warning != USCCWarningNotCompany {
			t.Errorf("ParseUSCC(%q) = %q, %q, %v; want the not-a-company warning", in, got, warning, err)
		}
	}
	if USCCWarningNotCompanyZH == "" || !strings.Contains(USCCWarningNotCompanyZH, "91") {
		t.Error("the Chinese warning is missing")
	}
}

func TestUSCCEverySingleChange(t *testing.T) {
	for i := range len(usccExample) {
		for _, r := range usccAlphabet + "IOSVZ-_ *!" {
			if byte(r) == usccExample[i] {
				continue
			}
			changed := usccExample[:i] + string(r) + usccExample[i+1:]
			got, _, err := ParseUSCC(changed)
			var ue *USCCError
			if !errors.As(err, &ue) {
				t.Errorf("ParseUSCC(%q) = %q, %v; want a *USCCError", changed, got, err)
				continue
			}
			if ue.Reason == "" || ue.ReasonZH == "" {
				t.Errorf("ParseUSCC(%q): empty reason %+v", changed, ue)
			}
		}
	}
	// Swapping two neighbouring different characters is caught too.
	for i := range len(usccExample) - 1 {
		if usccExample[i] == usccExample[i+1] {
			continue
		}
		swapped := usccExample[:i] + usccExample[i+1:i+2] + usccExample[i:i+1] + usccExample[i+2:]
		if _, _, err := ParseUSCC(swapped); err == nil {
			t.Errorf("ParseUSCC(%q) accepted a transposition", swapped)
		}
	}
}

func TestUSCCInvalid(t *testing.T) {
	tests := []struct {
		name, in, reason, reasonZH string
	}{
		{"empty", "", "it is empty", "未填写"},
		{"spaces only", "   ", "it is empty", "未填写"},
		{"17 characters", usccExample[:17], "18 characters long, not 17", "应为18位，当前为17位"},
		{"19 characters", usccExample + "1", "not 19", "当前为19位"},
		{"inner space", "91350100 M000100Y43", "not 19", "当前为19位"},
		{"letter I", "91350100I000100Y43", "character 9 is the letter I", "第9位为字母I"},
		{"letter O", "91350100O000100Y43", "letter O", "字母O"},
		{"letter S", "91350100S000100Y43", "letter S", "字母S"},
		{"letter V", "91350100V000100Y43", "letter V", "字母V"},
		{"letter Z", "91350100M000100Z43", "character 16 is the letter Z", "第16位为字母Z"},
		{"lower-case o", "91350100o000100Y43", "letter O", "字母O"},
		{"punctuation", "91350100-000100Y43", `character 9 ("-")`, "第9位“-”"},
		{"full-width digit", "９1350100M000100Y43", "character 1", "第1位“９”"},
		{"control character", "91350100\x00000100Y43", `character 9 ("\x00")`, "第9位“U+0000”"},
		{"Chinese character", "91350100中000100Y43", "character 9", "第9位“中”"},
		{"division 99", "91990100M000100Y43", "990100 is not a division code", "990100"},
		{"division 00", "91000000M000100Y43", "no province starts with 00", "00"},
		{"division 83", "91830000M000100Y43", "no province starts with 83", "83"},
		{"division with a letter", "91A50100M000100Y43", "six-digit administrative division code", "6位数字"},
		{"check character", "91350100M000100Y44", "check character", "校验位"},
		{"typo in the body", "91350100M000101Y43", "check character", "校验位"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, warning, err := ParseUSCC(tc.in)
			var ue *USCCError
			if !errors.As(err, &ue) {
				t.Fatalf("ParseUSCC(%q) = %q, %q, %v; want a *USCCError", tc.in, got, warning, err)
			}
			if got != "" || warning != "" {
				t.Errorf("returned %q, %q with the error", got, warning)
			}
			if !strings.Contains(ue.Reason, tc.reason) || !strings.Contains(ue.ReasonZH, tc.reasonZH) {
				t.Errorf("reasons %q / %q, want %q / %q", ue.Reason, ue.ReasonZH, tc.reason, tc.reasonZH)
			}
			if err.Error() != "models: invalid USCC: "+ue.Reason {
				t.Errorf("Error() = %q", err)
			}
		})
	}
}

func TestUSCCCheckChar(t *testing.T) {
	c, err := USCCCheckChar(usccExample[:17])
	if err != nil || c != '3' {
		t.Fatalf("USCCCheckChar = %c, %v; want 3", c, err)
	}
	if c, err := USCCCheckChar(strings.ToLower(usccExample[:17])); err != nil || c != '3' {
		t.Errorf("lower case: %c, %v", c, err)
	}
	for _, in := range []string{"", usccExample[:16], usccExample, "91350100I000100Y4"} {
		var ue *USCCError
		if _, err := USCCCheckChar(in); !errors.As(err, &ue) {
			t.Errorf("USCCCheckChar(%q) = %v, want a *USCCError", in, err)
		}
	}
}

func TestUSCCMake(t *testing.T) {
	got, err := MakeUSCC("350100", "M000100Y4")
	if err != nil || got != usccExample {
		t.Fatalf("MakeUSCC = %q, %v; want %q", got, err, usccExample)
	}
	if got, err := MakeUSCC("350100", "m000100y4"); err != nil || got != usccExample {
		t.Errorf("MakeUSCC with lower case = %q, %v", got, err)
	}

	// Every generated code parses, whatever the division and organisation code.
	rng := rand.New(rand.NewPCG(1, 2))
	all := Divisions()
	for range 2000 {
		div := all[rng.IntN(len(all))].Code
		org := make([]byte, 9)
		for i := range org {
			org[i] = usccAlphabet[rng.IntN(len(usccAlphabet))]
		}
		code, err := MakeUSCC(div, string(org))
		if err != nil {
			t.Fatal(err)
		}
		if parsed, warning, err := ParseUSCC(code); err != nil || parsed != code || warning != "" {
			t.Fatalf("ParseUSCC(%q) = %q, %q, %v", code, parsed, warning, err)
		}
	}

	bad := []struct{ division, org, reason string }{
		{"990100", "M000100Y4", "not a division code"},
		{"35010", "M000100Y4", "six-digit"},
		{"35010A", "M000100Y4", "six-digit"},
		{"350100", "M000100Y", "9 characters long, not 8"},
		{"350100", "M000100Y43", "not 10"},
		{"350100", "M000100O4", "character 16 is the letter O"},
		{"350100", "M0001-0Y4", `character 14 ("-")`},
	}
	for _, tc := range bad {
		var ue *USCCError
		got, err := MakeUSCC(tc.division, tc.org)
		if !errors.As(err, &ue) || !strings.Contains(ue.Reason, tc.reason) || ue.ReasonZH == "" {
			t.Errorf("MakeUSCC(%q, %q) = %q, %v; want a reason containing %q", tc.division, tc.org, got, err, tc.reason)
		}
	}
}
