package app

import (
	"encoding/json"
	"net/url"
	"os"
	"strings"
	"testing"

	"pilu/app/proctest"
	"pilu/models/dbtest"
	"pilu/search"
)

// TestReadyzReportsAServiceThatWentAway starts with MinIO reachable through a proxy, cuts the
// proxy, and expects /readyz to name the blob store while /healthz stays up.
func TestReadyzReportsAServiceThatWentAway(t *testing.T) {
	var s3 map[string]string
	for _, b := range backends(t) {
		if b.env["PILU_S3_ENDPOINT"] != "" {
			s3 = b.env
		}
	}
	if s3 == nil {
		t.Skip("needs MinIO (PILU_TEST_S3_ENDPOINT)")
	}
	proxy := newTCPProxy(t, os.Getenv("PILU_TEST_S3_ENDPOINT"))
	env := map[string]string{}
	for k, v := range s3 {
		env[k] = v
	}
	env["PILU_S3_ENDPOINT"] = proxy.addr()
	ts := newTestServer(t, env)
	if r := ts.get("/readyz"); r.StatusCode != 200 || !strings.Contains(r.body, `"blobs":{"kind":"s3","ok":true}`) {
		t.Fatalf("ready with MinIO up: %d %s", r.StatusCode, r.body)
	}
	proxy.close()
	r := ts.get("/readyz")
	if r.StatusCode != 503 || !strings.Contains(r.body, `"blobs":{"error"`) || !strings.Contains(r.body, `"database":{"dialect":"mysql","ok":true}`) {
		t.Fatalf("readyz with MinIO gone: %d %s", r.StatusCode, r.body)
	}
	if r := ts.get("/healthz"); r.StatusCode != 200 {
		t.Fatalf("healthz: %d", r.StatusCode)
	}
}

// TestReadyzReportsRedis: a portal with PILU_REDIS_URL reports Redis in /readyz, and answers 503
// naming it, without its URL, once Redis no longer answers; a portal without Redis reports none.
func TestReadyzReportsRedis(t *testing.T) {
	u, err := url.Parse(proctest.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy := newTCPProxy(t, u.Host)
	u.Host = proxy.addr()
	dbs := dbtest.DSNs(t)
	ts := newTestServerWith(t, map[string]string{"PILU_DB": dbs[0].DSN, "PILU_REDIS_URL": u.String()}, Options{RedisPrefix: "pilu-test-readyz:"})
	if r := ts.get("/readyz"); r.StatusCode != 200 || !strings.Contains(r.body, `"redis":{"ok":true}`) {
		t.Fatalf("ready with Redis up: %d %s", r.StatusCode, r.body)
	}
	proxy.close()
	r := ts.get("/readyz")
	if r.StatusCode != 503 || !strings.Contains(r.body, `"redis":{"error":"Redis does not answer: `) || !strings.Contains(r.body, `"database":{"dialect":"sqlite","ok":true}`) {
		t.Fatalf("readyz with Redis gone: %d %s", r.StatusCode, r.body)
	}
	if strings.Contains(r.body, "redis://") {
		t.Fatalf("readyz shows the Redis URL: %s", r.body)
	}
	if r := ts.get("/healthz"); r.StatusCode != 200 {
		t.Fatalf("healthz: %d", r.StatusCode)
	}
	if r := newTestServer(t, map[string]string{"PILU_DB": dbs[0].DSN}).get("/readyz"); r.StatusCode != 200 || strings.Contains(r.body, `"redis"`) {
		t.Fatalf("readyz without Redis: %d %s", r.StatusCode, r.body)
	}
}

// TestReadyzNamesTheSearchEngine runs the portal with each search engine (PILU_SEARCH_ENGINE): the
// same searches find the same institution first, and /readyz names the engine in use.
func TestReadyzNamesTheSearchEngine(t *testing.T) {
	for _, engine := range search.Engines {
		t.Run(engine, func(t *testing.T) {
			env := map[string]string{}
			if engine != search.EnginePilu {
				env["PILU_SEARCH_ENGINE"] = engine // the default is pilu
			}
			ts := newTestServer(t, env)
			ts.seedInstitution("440106", "MA5LTCT01", "广州市鹭汀网络借贷信息中介服务有限公司", "440000", "鹭汀创投")
			ts.seedInstitution("110105", "MA0BJ0001", "北京某某网络科技有限公司", "110000", "京贷宝")
			ts.drain()
			for q, first := range map[string]string{"鹭汀创投": "广州市鹭汀", "京贷宝": "北京某某", "luting": "广州市鹭汀"} {
				r := ts.get("/api/v1/search?q=" + url.QueryEscape(q))
				var res struct {
					Items []struct{ Title string }
					Total int
				}
				if err := json.Unmarshal([]byte(r.body), &res); err != nil || res.Total != 1 || !strings.HasPrefix(res.Items[0].Title, first) {
					t.Errorf("%q: %s", q, r.body)
				}
			}
			r := ts.get("/readyz")
			var ready struct {
				Checks struct {
					Index struct {
						Engine    string
						Documents int
						OK        bool
					}
				}
			}
			if err := json.Unmarshal([]byte(r.body), &ready); err != nil || r.StatusCode != 200 ||
				ready.Checks.Index.Engine != engine || ready.Checks.Index.Documents != 2 || !ready.Checks.Index.OK {
				t.Fatalf("readyz: %d %s", r.StatusCode, r.body)
			}
		})
	}
}
