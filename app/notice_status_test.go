package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"pilu/models"
)

// TestNoticeWithoutWindowIsPublished: a general notice (no claim window) is `published` in the API,
// on its page and in the lists, never `open`; it takes no claims; the status filter agrees.
func TestNoticeWithoutWindowIsPublished(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ts := newTestServer(t, b.env)
			ctx := context.Background()
			_, _, token, err := ts.store.CreateUser(ctx, modelsNewOffice("gd@example.cn", "440000"))
			if err != nil {
				t.Fatal(err)
			}
			in := ts.seedInstitution("440106", "MA5HL0001", "广州市某网络借贷信息中介有限公司", "440000", "某平台")
			publish := func(body map[string]any) uint64 {
				r := ts.callAPI("POST", "/api/v1/notices", token, body)
				wantAnswer(t, r, 201)
				var nj noticeJSON
				json.Unmarshal([]byte(r.body), &nj)
				wantAnswer(t, ts.callAPI("POST", fmt.Sprintf("/api/v1/notices/%d/publish", nj.ID), token, nil), 200)
				return nj.ID
			}
			general := publish(map[string]any{"kind": "general", "title": "关于分类情况的公告", "body": "现予公告。",
				"institutions": []map[string]string{{"uscc": in.USCC}}})
			zombie := publish(map[string]any{"kind": "zombie_list", "title": "关于僵尸类机构名单的公告", "body": "现予公告。",
				"window": map[string]any{"days": 15, "unit": "calendar"}, "institutions": []map[string]string{{"uscc": in.USCC}}})

			for _, later := range []string{"", "2030-01-01"} {
				if later != "" {
					ts.clock.t = time.Date(2030, 1, 1, 10, 0, 0, 0, models.ChinaZone)
				}
				var nj noticeJSON
				json.Unmarshal([]byte(ts.get(fmt.Sprintf("/api/v1/notices/%d", general)).body), &nj)
				if nj.Status != models.NoticePublished {
					t.Fatalf("a general notice is %q, want published", nj.Status)
				}
				page := ts.get(fmt.Sprintf("/notices/%d", general))
				wantAnswer(t, page, 200, "已发布")
				if strings.Contains(page.body, "公告期内") {
					t.Fatal("a notice without a claim window shows 公告期内")
				}
				wantAnswer(t, ts.callAPI("POST", fmt.Sprintf("/api/v1/notices/%d/claims", general), "", map[string]any{"institution": in.USCC}), 409, "claims_closed")
			}
			ts.clock.t = time.Date(2026, 11, 25, 10, 0, 0, 0, models.ChinaZone)
			ids := func(status string) []uint64 {
				var l struct{ Items []noticeJSON }
				json.Unmarshal([]byte(ts.get("/api/v1/notices?status="+status).body), &l)
				var out []uint64
				for _, it := range l.Items {
					out = append(out, it.ID)
				}
				return out
			}
			if got := ids("open"); len(got) != 1 || got[0] != zombie {
				t.Fatalf("open notices %v, want only the zombie list %d", got, zombie)
			}
			if got := ids("published"); len(got) != 1 || got[0] != general {
				t.Fatalf("published notices %v, want only the general notice %d", got, general)
			}
			wantAnswer(t, ts.get("/notices?status=published"), 200, "关于分类情况的公告")
			wantAnswer(t, ts.get("/api/v1/notices?status=draft"), 400) // drafts are never listed

			// A kind without a window refuses one; a kind with a window needs one.
			r := ts.callAPI("POST", "/api/v1/notices", token, map[string]any{"kind": "transfer", "title": "移送公告", "body": "正文",
				"window": map[string]any{"days": 15, "unit": "calendar"}})
			wantAnswer(t, r, 422, `"window"`)
			r = ts.callAPI("POST", "/api/v1/notices", token, map[string]any{"kind": "exit_supervision", "title": "退出监督公告", "body": "正文"})
			wantAnswer(t, r, 422, `"window"`)
		})
	}
}

// TestZombieListNamesInstitutions: a zombie list naming no institution is refused (422 naming
// institutions, in the reader's language), and one naming one is accepted.
func TestZombieListNamesInstitutions(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ts := newTestServer(t, b.env)
			ctx := context.Background()
			gd, _, token, err := ts.store.CreateUser(ctx, modelsNewOffice("gd@example.cn", "440000"))
			if err != nil {
				t.Fatal(err)
			}
			in := ts.seedInstitution("440106", "MA5HL0002", "广州市某网络借贷信息中介有限公司", "440000", "某平台")
			body := map[string]any{"kind": "zombie_list", "title": "关于僵尸类机构名单的公告", "body": "现予公告。",
				"window": map[string]any{"days": 15, "unit": "calendar"}}
			r := ts.callAPI("POST", "/api/v1/notices", token, body)
			wantAnswer(t, r, 422, `"institutions":"A zombie list names at least one institution"`)

			office := ts.newNoticeBrowser(&gd)
			fields := map[string]string{"kind": "zombie_list", "title": "关于僵尸类机构名单的公告", "body": "现予公告。",
				"days": "15", "unit": "calendar", "office_440000": "1"}
			wantAnswer(t, office.postMultipart("/office/notices", fields, nil), 422, "僵尸类机构名单公告须至少列明一家机构")
			office.cookies = append(office.cookies, &http.Cookie{Name: "lang", Value: "en"})
			wantAnswer(t, office.postMultipart("/office/notices", fields, nil), 422, "A zombie list names at least one institution")

			body["institutions"] = []map[string]string{{"uscc": in.USCC}}
			wantAnswer(t, ts.callAPI("POST", "/api/v1/notices", token, body), 201)
			fields["pick_"+in.USCC] = "1"
			wantAnswer(t, office.postMultipart("/office/notices", fields, nil), 303)
		})
	}
}
