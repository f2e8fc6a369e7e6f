package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"testing"
	"time"

	"pilu/models"
)

// getJSON answers path decoded, failing the test unless it is 200; when the API's read limit is
// met, the test's clock moves on a minute.
func (ts *testServer) getJSON(path string) map[string]any {
	ts.t.Helper()
	r := ts.get(path)
	if r.StatusCode == 429 {
		ts.clock.t = ts.clock.t.Add(time.Minute)
		r = ts.get(path)
	}
	if r.StatusCode != 200 {
		ts.t.Fatalf("GET %s: %d %.300s", path, r.StatusCode, r.body)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(r.body), &v); err != nil {
		ts.t.Fatalf("GET %s: %v", path, err)
	}
	return v
}

// listAll answers every item of an API list, page after page.
func (ts *testServer) listAll(path string) []map[string]any {
	ts.t.Helper()
	var out []map[string]any
	for page := 1; ; page++ {
		u, _ := url.Parse(path)
		q := u.Query()
		q.Set("per_page", "100")
		q.Set("page", fmt.Sprint(page))
		u.RawQuery = q.Encode()
		v := ts.getJSON(u.String())
		items, _ := v["items"].([]any)
		for _, it := range items {
			out = append(out, it.(map[string]any))
		}
		if total, _ := v["total"].(float64); len(items) == 0 || len(out) >= int(total) {
			return out
		}
	}
}

// sameFields reports every field present in both the list item and the detail whose values differ.
func sameFields(t *testing.T, what string, item, detail map[string]any) {
	t.Helper()
	for k, v := range item {
		if d, ok := detail[k]; ok && !reflect.DeepEqual(v, d) {
			t.Errorf("%s: %s is %v in the list and %v in the detail", what, k, v, d)
		}
	}
}

// TestListItemsAreTheirDetail checks, on the demo data set, that every item of every API list
// (notices, institutions, an institution's disclosures, search hits) says what GET of its detail
// says for each field both carry, and that the detail of a disclosure version is that version.
func TestListItemsAreTheirDetail(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the demo data set")
	}
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			env := map[string]string{"PILU_DEMO": "1"}
			for k, v := range b.env {
				env[k] = v
			}
			ts := newTestServer(t, env)
			ctx := context.Background()
			seen := map[string]int{}
			// The demo has neither claims nor amendments: one of each.
			path, uscc, _ := ts.openClaimNotice()
			claim := fmt.Sprintf(`{"institution":%q,"name":"欧阳娜娜","id_number":%q,"phone":"13812345678","principal":100000,"interest":0,"statement":""}`,
				uscc, residentID("11010519491231002"))
			wantAnswer(t, ts.send("POST", path, "", "application/json", claim), 201)
			ds, _, err := ts.store.ListDisclosures(ctx, models.DisclosureFilter{Kinds: []string{"exit_announcement", "other", "major_event"}, PerPage: 1})
			if err != nil || len(ds) == 0 {
				t.Fatalf("a disclosure to amend: %d, %v", len(ds), err)
			}
			d := ds[0]
			if _, err := ts.store.AmendDisclosure(ctx, d, models.NewDisclosure{Kind: d.Kind, Title: d.Title, Body: d.Body + "（更正）"}, "更正", "test", ts.now()); err != nil {
				t.Fatal(err)
			}
			ts.drain()

			for _, n := range ts.listAll("/api/v1/notices") {
				what := fmt.Sprintf("notice %v", n["id"])
				sameFields(t, what, n, ts.getJSON(fmt.Sprintf("/api/v1/notices/%v", n["id"])))
				if n["corrected_by"] != nil {
					seen["corrected notices"]++
				}
				for _, li := range n["institutions"].([]any) {
					if li.(map[string]any)["claims"].(float64) > 0 {
						seen["listed institutions with claims"]++
					}
				}
			}

			for _, in := range ts.listAll("/api/v1/institutions") {
				uscc := in["uscc"].(string)
				sameFields(t, "institution "+uscc, in, ts.getJSON("/api/v1/institutions/"+uscc))
				if len(in["history"].([]any)) > 0 {
					seen["institutions with a history"]++
				}
				for _, d := range ts.listAll("/api/v1/institutions/" + uscc + "/disclosures") {
					what := fmt.Sprintf("disclosure %v", d["id"])
					detail := ts.getJSON(fmt.Sprintf("/api/v1/disclosures/%v", d["id"]))
					sameFields(t, what, d, detail)
					if d["amends"] == nil {
						continue
					}
					seen["amended disclosures"]++
					prev := ts.getJSON(fmt.Sprintf("/api/v1/disclosures/%v", d["amends"]))
					if prev["id"] != d["amends"] || prev["version"].(float64) != d["version"].(float64)-1 || prev["latest"] != d["id"] {
						t.Errorf("%s: the detail of the version it amends (%v) is id %v version %v latest %v", what, d["amends"],
							prev["id"], prev["version"], prev["latest"])
					}
				}
			}

			for _, q := range []string{"公告", "兑付", "网贷", "有限公司"} {
				for _, h := range ts.getJSON("/api/v1/search?per_page=100&q=" + url.QueryEscape(q))["items"].([]any) {
					hit := h.(map[string]any)
					var path string
					switch hit["type"] {
					case "notice":
						path = "/api/v1/notices/"
					case "disclosure":
						path = "/api/v1/disclosures/"
					case "institution":
						path = "/api/v1/institutions/"
					default:
						continue
					}
					detail := ts.getJSON(path + hit["id"].(string))
					seen["search hits"]++
					if fmt.Sprint(detail["id"]) != hit["id"] && detail["uscc"] != hit["id"] {
						t.Errorf("search hit %s %s: the detail is %v", hit["type"], hit["id"], detail["id"])
					}
					for _, k := range []string{"title", "url"} {
						if detail[k] != nil && hit[k] != detail[k] {
							t.Errorf("search hit %s %s: %s is %v, the detail's %v", hit["type"], hit["id"], k, hit[k], detail[k])
						}
					}
				}
			}

			for _, k := range []string{"corrected notices", "listed institutions with claims", "institutions with a history", "amended disclosures", "search hits"} {
				if seen[k] == 0 {
					t.Errorf("the demo data set has no %s: the comparison proves nothing about them", k)
				}
			}
		})
	}
}
