package app

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"pilu/models"
)

// exampleOf is a value of schema s, with every documented property of an object filled in; known
// gives the values of properties that must name something real (an institution, the province).
func exampleOf(s *openapi3.Schema, known map[string]any) any {
	switch {
	case s == nil:
		return "x"
	case s.Type.Is("object") || len(s.Properties) > 0:
		out := map[string]any{}
		for name, p := range s.Properties {
			if v, ok := known[name]; ok {
				out[name] = v
			} else {
				out[name] = exampleOf(p.Value, known)
			}
		}
		return out
	case len(s.Enum) > 0:
		return s.Enum[0]
	case s.Type.Is("array"):
		if s.Items == nil {
			return []any{}
		}
		return []any{exampleOf(s.Items.Value, known)}
	case s.Type.Is("integer"), s.Type.Is("number"):
		return 1
	case s.Type.Is("boolean"):
		return true
	case s.Format == "date":
		return "2026-12-31"
	case s.Format == "date-time":
		return "2026-11-20T10:00:00+08:00"
	}
	return "测试"
}

// contentSchemaOf is the schema of a multipart part that carries JSON (nil for other parts).
func contentSchemaOf(p *openapi3.Schema) *openapi3.Schema {
	if p.ContentSchema == nil || p.ContentMediaType != "application/json" {
		return nil
	}
	return p.ContentSchema.Value
}

// TestEveryDocumentedRequestFieldIsTaken sends every write operation of the OpenAPI document a body
// with every field the document gives it (multipart JSON parts included) and checks that the server
// refuses none as unknown; then that the fields that used to be refused do what they say.
func TestEveryDocumentedRequestFieldIsTaken(t *testing.T) {
	doc, _, err := loadAPISpec()
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ts := newTestServer(t, b.env)
			ctx := context.Background()
			office := ts.officeToken("fields-office@example.cn", "440000")
			_, _, admin, err := ts.store.CreateUser(ctx, models.NewUser{Role: models.RoleAdmin, Email: "fields-admin@example.cn"})
			if err != nil {
				t.Fatal(err)
			}
			in, _, filer := ts.filerWithToken("MA5FLD001", "广州市字段网络借贷信息中介有限公司")
			// A published notice listing the institution, a claim on it, a draft and a disclosure.
			path, uscc, _ := ts.openClaimNotice()
			noticeID := strings.TrimSuffix(strings.TrimPrefix(path, "/api/v1/notices/"), "/claims")
			claimsOffice := office // any office of the province keeps its notices
			r := ts.send("POST", path, "", "application/json", fmt.Sprintf(`{"institution":%q,"name":"欧阳娜娜","id_number":%q,"phone":"13812345678","principal":100000,"interest":0,"statement":""}`,
				uscc, residentID("11010519491231002")))
			wantAnswer(t, r, 201)
			var claims struct{ Items []struct{ ID uint64 } }
			json.Unmarshal([]byte(ts.send("GET", path, claimsOffice, "", "").body), &claims)
			if len(claims.Items) != 1 {
				t.Fatalf("claims of the notice: %+v", claims)
			}
			r = ts.callAPI("POST", "/api/v1/notices", office, map[string]any{"kind": "general", "title": "草稿", "body": "正文"})
			wantAnswer(t, r, 201)
			var draft struct{ ID uint64 }
			json.Unmarshal([]byte(r.body), &draft)
			r = ts.postMultipart("/api/v1/institutions/"+in.USCC+"/disclosures", filer, `{"kind":"other","title":"说明","body":"正文"}`, part{"说明.txt", []byte("说明")})
			wantAnswer(t, r, 201)
			var filed struct{ ID uint64 }
			json.Unmarshal([]byte(r.body), &filed)

			// Each write operation with a body: the path it is sent to and the token that may write.
			targets := map[string]struct{ path, token string }{
				"POST /institutions":                       {"/api/v1/institutions", office},
				"POST /institutions/{uscc}/disclosures":    {"/api/v1/institutions/" + in.USCC + "/disclosures", filer},
				"POST /institutions/{uscc}/classification": {"/api/v1/institutions/" + in.USCC + "/classification", office},
				"POST /disclosures/{id}/amendments":        {fmt.Sprintf("/api/v1/disclosures/%d/amendments", filed.ID), filer},
				"POST /notices":                            {"/api/v1/notices", office},
				"PUT /notices/{id}":                        {fmt.Sprintf("/api/v1/notices/%d", draft.ID), office},
				"POST /notices/{id}/corrections":           {"/api/v1/notices/" + noticeID + "/corrections", claimsOffice},
				"POST /notices/{id}/outcomes":              {"/api/v1/notices/" + noticeID + "/outcomes", claimsOffice},
				"POST /notices/{id}/claims":                {path, ""},
				"POST /notices/{id}/claims/{cid}":          {fmt.Sprintf("%s/%d", path, claims.Items[0].ID), claimsOffice},
				"POST /notices/{id}/claims/{cid}/reveal":   {fmt.Sprintf("%s/%d/reveal", path, claims.Items[0].ID), claimsOffice},
				"POST /notices/{id}/claims/transfer":       {path + "/transfer", claimsOffice},
				"POST /claims/status":                      {"/api/v1/claims/status", ""},
				"POST /calendars":                          {"/api/v1/calendars", admin},
				"POST /webhooks":                           {"/api/v1/webhooks", filer},
			}
			known := map[string]any{"province": "440000", "uscc": uscc, "institution": uscc, "institutions": []map[string]string{{"uscc": uscc}}}
			sent := 0
			for tmpl, item := range doc.Paths.Map() {
				for method, op := range item.Operations() {
					if op.RequestBody == nil {
						continue
					}
					name := method + " " + tmpl
					target, ok := targets[name]
					if !ok {
						t.Errorf("%s takes a body but this test does not send it one", name)
						continue
					}
					for ctype, media := range op.RequestBody.Value.Content {
						s := media.Schema.Value
						var req *httptestRequest
						switch ctype {
						case "application/json":
							body, _ := json.Marshal(exampleOf(s, known))
							req = &httptestRequest{method, target.path, ctype, string(body)}
						case "multipart/form-data":
							fields := map[string]string{}
							for prop, p := range s.Properties {
								if cs := contentSchemaOf(p.Value); cs != nil {
									b, _ := json.Marshal(exampleOf(cs, known))
									fields[prop] = string(b)
								}
							}
							if len(fields) == 0 {
								continue // the claim's multipart form: the JSON fields as form fields (claims_test.go)
							}
							body, mct := multipartFields(fields)
							req = &httptestRequest{method, target.path, mct, body.String()}
						default:
							t.Errorf("%s: no example for %s", name, ctype)
							continue
						}
						res := ts.send(req.method, req.path, target.token, req.ctype, req.body)
						sent++
						if strings.Contains(res.body, "unknown field") || res.StatusCode >= 500 || res.StatusCode == 401 || res.StatusCode == 403 {
							t.Errorf("%s (%s) with every documented field: %d %.400s\nsent %.600s", name, ctype, res.StatusCode, res.body, req.body)
						}
					}
				}
			}
			if sent < len(targets) {
				t.Errorf("%d bodies sent for %d operations", sent, len(targets))
			}

			// province and corrects, refused as unknown before, are what the answer says.
			r = ts.callAPI("POST", "/api/v1/notices", office, map[string]any{"kind": "general", "province": "440000", "title": "公告", "body": "正文"})
			wantAnswer(t, r, 201)
			r = ts.callAPI("POST", "/api/v1/notices", office, map[string]any{"kind": "general", "province": "110000", "title": "公告", "body": "正文"})
			wantAnswer(t, r, 403)
			r = ts.callAPI("POST", "/api/v1/notices", claimsOffice, map[string]any{"kind": "correction", "corrects": json.Number(noticeID), "title": "更正公告", "body": "更正"})
			wantAnswer(t, r, 201)
			if !strings.Contains(r.body, `"corrects":`+noticeID) {
				t.Errorf("a notice created with corrects: %s", r.body)
			}
			r = ts.callAPI("POST", "/api/v1/notices/"+noticeID+"/corrections", claimsOffice, map[string]any{"corrects": draft.ID, "title": "更正公告", "body": "更正"})
			if code, fields := jsonError(t, r); r.StatusCode != 422 || code == "" || fields["corrects"] == "" {
				t.Errorf("a correction naming another notice in corrects: %d %s", r.StatusCode, r.body)
			}
			// keep, the older name of keep_attachments, still keeps: [] carries nothing over.
			amend := fmt.Sprintf("/api/v1/disclosures/%d/amendments", filed.ID)
			r = ts.postMultipart(amend, filer, `{"kind":"other","title":"说明（更正）","body":"正文","reason":"更正","keep":[]}`)
			wantAnswer(t, r, 201)
			var v2 disclosureJSON
			json.Unmarshal([]byte(r.body), &v2)
			if v2.Version != 2 || len(v2.Attachments) != 0 {
				t.Errorf("amended with keep []: %+v", v2)
			}
			r = ts.postMultipart(fmt.Sprintf("/api/v1/disclosures/%d/amendments", v2.ID), filer,
				`{"kind":"other","title":"说明","body":"正文","reason":"更正","keep":[],"keep_attachments":[]}`)
			if _, fields := jsonError(t, r); r.StatusCode != 422 || fields["keep"] == "" {
				t.Errorf("keep and keep_attachments together: %d %s", r.StatusCode, r.body)
			}
		})
	}
}

// httptestRequest is one request of TestEveryDocumentedRequestFieldIsTaken.
type httptestRequest struct{ method, path, ctype, body string }
