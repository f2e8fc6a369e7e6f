package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"pilu/models"
)

// TestFigureRulesOverHTTP: figure sets breaking the relations are refused with 422 naming
// every field of the rule with its code, in a filing and an amendment, through the API and the
// form (in Chinese and in English); the consistent set is accepted both ways.
func TestFigureRulesOverHTTP(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ts := newTestServer(t, b.env)
			in, _, token := ts.filerWithToken("MA5D0RUL1", "深圳丙网贷信息服务有限公司")
			path := "/api/v1/institutions/" + in.USCC + "/disclosures"
			broken := []struct {
				code, field, value string
				fields             []string
			}{
				{"lenders_within_cumulative", "lenders", "101", []string{"lenders", "cum_lenders"}},
				{"outstanding_within_lending", "outstanding_amount", "6000000", []string{"outstanding_amount", "cum_lending_amount"}},
				{"overdue_count_within_outstanding", "overdue_count", "101", []string{"overdue_count", "outstanding_count"}},
			}
			wantRule := func(r response, code string, fields []string) {
				t.Helper()
				if r.StatusCode != 422 {
					t.Fatalf("status %d, want 422: %s", r.StatusCode, r.body)
				}
				_, got := jsonError(t, r)
				for _, f := range fields {
					if !strings.Contains(r.body, `{"field":"figures.`+f+`","code":"`+code+`"`) {
						t.Fatalf("figures.%s: %q, want rule %s; all %v", f, got["figures."+f], code, got)
					}
				}
			}
			if r := ts.postMultipart(path, token, figuresMeta("2026-09", "", "")); r.StatusCode != 201 {
				t.Fatalf("a consistent set: %d %s", r.StatusCode, r.body)
			}
			for _, c := range broken {
				wantRule(ts.postMultipart(path, token, figuresMeta("2026-10", c.field, c.value)), c.code, c.fields)
			}
			// The cumulative lenders must not fall below September's.
			wantRule(ts.postMultipart(path, token, figuresMeta("2026-10", "cum_lenders", "99")), "cum_lenders_never_falls", []string{"cum_lenders"})
			r := ts.postMultipart(path, token, figuresMeta("2026-10", "", ""))
			if r.StatusCode != 201 {
				t.Fatalf("a consistent set: %d %s", r.StatusCode, r.body)
			}
			var d disclosureJSON
			json.Unmarshal([]byte(r.body), &d)
			amend := fmt.Sprintf("/api/v1/disclosures/%d/amendments", d.ID)
			withReason := func(meta string) string { return strings.Replace(meta, "{", `{"reason": "数据更正", `, 1) }
			for _, c := range broken {
				wantRule(ts.postMultipart(amend, token, withReason(figuresMeta("2026-10", c.field, c.value))), c.code, c.fields)
			}

			// The form says it next to each field, in the reader's language.
			u, pw, _, err := ts.store.CreateUser(context.Background(), models.NewUser{Role: models.RoleInstitution, Email: "form@bing.cn", InstitutionUSCC: in.USCC})
			if err != nil {
				t.Fatal(err)
			}
			br := ts.loginAs(u.Email, pw)
			form := figureFields("2026-07", map[string]string{"fig.lenders": "11"}) // 10 cumulative lenders
			r = br.submit("/filer/disclosures", br.token, form)
			wantAnswer(t, r, 422, `id="fig-lenders-err"`, `id="fig-cum_lenders-err"`, "当期出借人数不能超过累计出借人数")
			en := br
			en.cookies = append(append([]*http.Cookie{}, br.cookies...), &http.Cookie{Name: "lang", Value: "en"})
			r = en.submit("/filer/disclosures", br.token, form)
			wantAnswer(t, r, 422, "The lenders of the period must not exceed the cumulative lenders")
			amendForm := figureFields("2026-10", map[string]string{"fig.overdue_count": "11", "reason": "更正"}) // 10 outstanding loans
			r = br.submit(fmt.Sprintf("/filer/disclosures/%d/amend", d.ID), br.token, amendForm)
			wantAnswer(t, r, 422, `id="fig-overdue_count-err"`, `id="fig-outstanding_count-err"`, "逾期笔数不能超过借贷余额笔数")
			wantAnswer(t, br.submit("/filer/disclosures", br.token, figureFields("2026-07", nil)), 303)
		})
	}
}

// TestFigureRulesAreTranslated: each rule's refusal has a text in every catalog.
func TestFigureRulesAreTranslated(t *testing.T) {
	v, err := newViews()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range models.FigureRules {
		for _, lang := range Languages {
			if _, ok := v.catalogs[lang][problemKey+r.Code]; !ok {
				t.Errorf("%s: no %s text for %q", r.Code, lang, problemKey+r.Code)
			}
		}
	}
}
