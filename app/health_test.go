package app

import (
	"os"
	"strings"
	"testing"
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
	if r := ts.get("/readyz"); r.StatusCode != 200 {
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
