package app

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"pilu/models"
)

// TestAcceptedSuggestionShowsCriteriaInWords: accepting a rule suggestion cites the rule in the
// decision; the class history of the public page, the API, the dump and the office's page show the
// criterion in words (zh, and en at ?lang=en), never the stored code; the office's class and
// disposition drop-downs have no default, so a choice must be made.
func TestAcceptedSuggestionShowsCriteriaInWords(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) { acceptSuggestionInWords(t, newTestServer(t, b.env)) })
	}
}

func acceptSuggestionInWords(t *testing.T, ts *testServer) {
	ctx := context.Background()
	today := ts.clock.t
	ts.clock.t = time.Date(2026, 6, 1, 9, 0, 0, 0, models.ChinaZone)
	seeded := ts.seedInstitution("440106", "MA5CRT001", "广州规则网贷有限公司", "440000", "规则贷")
	ts.clock.t = today
	for i, period := range []string{"2026-06", "2026-07", "2026-08", "2026-09", "2026-10"} {
		f := &models.MonthlyFigures{OutstandingAmount: int64(1000 - 100*i), OutstandingCount: 10, Lenders: int64(50 - i), CumLendingAmount: 1e9, CumLendingCount: 1000, CumLenders: 100,
			CumBorrowers: 20, Borrowers: 10, Top10Amount: 500, LargestAmount: 100}
		at := time.Date(2026, time.Month(7+i), 2, 10, 0, 0, 0, models.ChinaZone)
		if _, err := ts.store.FileDisclosure(ctx, seeded, models.NewDisclosure{Kind: "monthly_data", Period: period, Figures: f}, "f", at); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ts.store.RefreshSuggestions(ctx, "440000", ts.now()); err != nil {
		t.Fatal(err)
	}
	pending, err := ts.store.Suggestions(ctx, models.SuggestionFilter{Province: "440000", Status: models.SuggestionPending})
	if err != nil || len(pending) != 1 || pending[0].Rule != models.RuleZombieNewBusiness {
		t.Fatalf("pending suggestions %+v, %v", pending, err)
	}
	sg := pending[0]
	in, err := ts.store.InstitutionByID(ctx, sg.InstitutionID)
	if err != nil {
		t.Fatal(err)
	}
	token := ts.officeToken("clerk@office.example", in.Province)
	office := ts.get("/office/institutions/"+in.USCC, "Authorization", "Bearer "+token)
	for _, want := range []string{`name="class" required`, `<option value="" selected>请选择分类</option>`,
		`name="disposition" required`, `<option value="" selected>请选择处置状态</option>`} {
		if !strings.Contains(office.body, want) {
			t.Errorf("the office's page lacks %q", want)
		}
	}
	r := ts.send("POST", "/api/v1/institutions/"+in.USCC+"/classification", token, "application/json", `{"class":"","reason":"x"}`)
	if _, fields := jsonError(t, r); r.StatusCode != 422 || fields["class"] != "Required" || !strings.Contains(r.body, `"code":"required"`) {
		t.Errorf("a classification without a class: %d %s", r.StatusCode, r.body)
	}
	if r := ts.send("POST", "/office/institutions/"+in.USCC+"/disposition", token, "application/x-www-form-urlencoded", "disposition=&reason=x"); r.StatusCode != 422 || !strings.Contains(r.body, "请选择处置状态") {
		t.Errorf("a disposition move without a disposition: %d", r.StatusCode)
	}
	r = ts.send("POST", "/office/suggestions/"+strconv.FormatUint(sg.ID, 10)+"/accept", token, "application/x-www-form-urlencoded", "reason=")
	if r.StatusCode != 303 {
		t.Fatalf("accept: %d %.300s", r.StatusCode, r.body)
	}
	code := models.SuggestionCriterion(sg)
	zh := s2(ts.views.t("zh", "registry.rule."+sg.Rule), "（", monthName("zh", sg.Months[0]), "至", monthName("zh", sg.Months[len(sg.Months)-1]), "）")
	en := s2(ts.views.t("en", "registry.rule."+sg.Rule), " (", monthName("en", sg.Months[0]), " to ", monthName("en", sg.Months[len(sg.Months)-1]), ")")
	var api struct {
		History []struct{ Criteria []string } `json:"history"`
	}
	json.Unmarshal([]byte(ts.get("/api/v1/institutions/"+in.USCC).body), &api)
	if n := len(api.History); n == 0 || len(api.History[n-1].Criteria) != 1 || api.History[n-1].Criteria[0] != zh {
		t.Errorf("API history %+v, want the criterion %q", api.History, zh)
	}
	dir := t.TempDir()
	if _, err := ts.exportAll(ctx, dir); err != nil {
		t.Fatal(err)
	}
	dump := readMaybeGzip(t, dir+"/institutions.ndjson.gz")
	for what, body := range map[string]string{
		"the public page": ts.get("/institutions/" + in.USCC).body, "the English page": ts.get("/institutions/" + in.USCC + "?lang=en").body,
		"the API": ts.get("/api/v1/institutions/" + in.USCC).body, "the dump": dump,
		"the office's page": ts.get("/office/institutions/"+in.USCC, "Authorization", "Bearer "+token).body,
	} {
		if strings.Contains(body, code) || strings.Contains(body, sg.Rule) {
			t.Errorf("%s shows the internal code %s", what, code)
		}
		want := zh
		if what == "the English page" {
			want = en
		}
		if !strings.Contains(body, want) {
			t.Errorf("%s lacks the criterion in words %q", what, want)
		}
	}
}

func s2(parts ...string) string { return strings.Join(parts, "") }
