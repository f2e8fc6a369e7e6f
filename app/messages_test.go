package app

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"pilu/models"
)

var hanText = regexp.MustCompile(`\p{Han}`)

// TestCodesAreTranslated fails when a code the models can give (models.Codes) has no text in
// either language, when the two texts name different arguments, when a zh text is not Chinese, or
// when a catalog says a code the models never give.
func TestCodesAreTranslated(t *testing.T) {
	v, err := newViews()
	if err != nil {
		t.Fatal(err)
	}
	codes := models.Codes()
	if len(codes) < 100 {
		t.Fatalf("only %d codes", len(codes))
	}
	argsOf := func(text string) []string {
		var out []string
		for _, m := range problemParam.FindAllStringSubmatch(text, -1) {
			out = append(out, m[1])
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	for _, code := range codes {
		zh, okZH := v.catalogs["zh"][problemKey+code]
		en, okEN := v.catalogs["en"][problemKey+code]
		switch {
		case !okZH || !okEN:
			t.Errorf("code %s: no text in templates/i18n/{zh,en}/messages.json (zh %v, en %v)", code, okZH, okEN)
			continue
		case !hanText.MatchString(zh) && !strings.HasPrefix(zh, "{reason_zh}"):
			t.Errorf("code %s: the zh text is not Chinese: %q", code, zh)
		case hanText.MatchString(en):
			t.Errorf("code %s: the en text is not English: %q", code, en)
		}
		zhArgs, enArgs := argsOf(zh), argsOf(en)
		if code == models.CodeUSCC || code == models.CodeResidentID {
			zhArgs, enArgs = []string{"reason"}, []string{"reason"}
		}
		if !slices.Equal(zhArgs, enArgs) {
			t.Errorf("code %s: zh names %v, en names %v", code, zhArgs, enArgs)
		}
	}
	for _, lang := range Languages {
		for key := range v.catalogs[lang] {
			if code, ok := strings.CutPrefix(key, problemKey); ok && !slices.Contains(codes, code) {
				t.Errorf("%s: %s is no code of the models (models.Codes)", lang, key)
			}
		}
	}
}

// TestProblemText says typical codes in both languages: plain texts, numbers kept, values shown by
// their labels (dispositions, kinds, provinces), several reasons on one field, the reasons of a
// credit code and of an ID number in the reader's language.
func TestProblemText(t *testing.T) {
	s := &Server{}
	var err error
	if s.views, err = newViews(); err != nil {
		t.Fatal(err)
	}
	_, _, usccErr := models.ParseUSCC("914")
	_, idErr := models.ParseResidentID("1101051949123100A2")
	cases := []struct {
		lang string
		fe   models.FieldErrors
		want string
	}{
		{"zh", models.Invalid("f", "overdue_within_outstanding"), "逾期金额不能超过借贷余额"},
		{"en", models.Invalid("f", "overdue_within_outstanding"), "The overdue amount must not exceed the outstanding balance"},
		{"zh", func() models.FieldErrors {
			fe := models.Invalid("f", models.CodeNotNegative)
			fe.Add("f", "overdue_within_outstanding")
			return fe
		}(), "不能为负数；逾期金额不能超过借贷余额"},
		{"zh", models.Invalid("f", models.CodeWindowDays, models.Args{"max": 3650}), "公告期应为1至3650天"},
		{"zh", models.Invalid("f", models.CodeTooManyEntries, models.Args{"max": 12}), "最多12项"},
		{"zh", models.Invalid("f", models.CodeDispositionMove, models.Args{"from": "winding_down", "to": "deregistered", "allowed": []string{"to_police", "transformed"}}),
			"处置状态不能这样变更：“清退中”不能改为“已注销”，可选：已移送公安机关、已转型"},
		{"en", models.Invalid("f", models.CodeFinalDisposition, models.Args{"from": "deregistered"}), "Deregistered is final: the disposition can no longer change"},
		{"zh", models.Invalid("f", models.CodeOneOf, models.Args{"values": []models.NoticeKind{"zombie_list", "general"}, "vocabulary": "notice_kind"}), "请从以下选项中选择：僵尸类机构名单公告、一般公告"},
		{"zh", models.Invalid("f", models.CodeAmendKeepsKind, models.Args{"kind": "monthly_data"}), "更正不能改变披露类型（运营数据）"},
		{"zh", models.Invalid("f", models.CodeRegisteredAs, models.Args{"uscc": "91440300MA5HL0001X", "name": "某公司"}), "91440300MA5HL0001X 在名单中登记的名称是“某公司”，与填写的名称不符"},
		{"zh", invalidOf(t, usccErr), "统一社会信用代码应为18位，当前为3位"},
		{"en", invalidOf(t, usccErr), "it must be 18 characters long, not 3"},
		{"zh", invalidOf(t, idErr), "身份证号码前17位应为数字"},
		{"zh", (&models.CalendarMissingError{Year: 2031, First: 2019, Last: 2026}).FieldError("f"), "2031年的法定节假日安排尚未载入本站，无法计算截止日期（本站从不推测法定期限）。国务院办公厅公布后，由系统管理员载入（命令 pilu calendar import 或管理页面 /admin）。"},
		{"zh", models.Invalid("f", models.CodeKeptElsewhere, models.Args{"division": "350100", "keeper": "350000"}), "该机构登记在福建省（行政区划代码 350100），按属地管理应列入福建省网贷整治办的名单"},
		{"en", models.Invalid("f", models.CodeKeptElsewhere, models.Args{"division": "440305", "keeper": "440300"}), "Registered in Shenzhen (division 440305): kept where it is registered, it belongs on the list of the Shenzhen office"},
		{"zh", models.Invalid("f", models.CodeRequired), "必填"},
		{"zh", models.Invalid("f", "no_such_code"), "no_such_code"},
	}
	for _, c := range cases {
		t.Run(c.lang+" "+c.fe.Error(), func(t *testing.T) {
			if got := s.fieldMessages(c.lang, c.fe)["f"]; got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

// invalidOf is the field error the models give on field f for a refused credit code or ID number.
func invalidOf(t *testing.T, err error) models.FieldErrors {
	t.Helper()
	var ue *models.USCCError
	var ie *models.ResidentIDError
	switch {
	case errors.As(err, &ue):
		return models.Invalid("f", models.CodeUSCC, models.Args{"reason": ue.Reason, "reason_zh": ue.ReasonZH})
	case errors.As(err, &ie):
		return models.Invalid("f", models.CodeResidentID, models.Args{"reason": ie.Reason, "reason_zh": ie.ReasonZH})
	}
	t.Fatalf("%v is no refusal of a code", err)
	return nil
}
