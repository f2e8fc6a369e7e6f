// Package s3test names the S3 servers that tests run the MinIO store (minio-go)
// against: a MinIO server, set by PILU_TEST_S3_ENDPOINT, PILU_TEST_S3_ACCESS_KEY
// and PILU_TEST_S3_SECRET_KEY, and SeaweedFS's S3 gateway, set by the same three
// variables with PILU_TEST_SEAWEED_ in place of PILU_TEST_S3_. .ci/run starts
// both and sets them. A test that needs a server that is not set is skipped,
// except under CI=true, where it fails, so CI can never pass without either.
package s3test

import (
	"os"
	"testing"
)

// Server is one S3 server that tests may use.
type Server struct {
	Name      string // "minio" or "seaweedfs"
	Endpoint  string // host:port
	AccessKey string
	SecretKey string
}

// server describes where the variables of one kind of server are.
type server struct {
	name   string
	prefix string // of the _ENDPOINT, _ACCESS_KEY and _SECRET_KEY variables
	what   string
}

// known lists every server the tests run against, in the order they run.
var known = []server{
	{"minio", "PILU_TEST_S3_", "MinIO"},
	{"seaweedfs", "PILU_TEST_SEAWEED_", "SeaweedFS's S3 gateway"},
}

// Names returns the names of every known server, configured or not.
func Names() []string {
	names := make([]string, len(known))
	for i, k := range known {
		names[i] = k.name
	}
	return names
}

// Lookup returns the server called name when its endpoint variable is set.
func Lookup(name string) (Server, bool) {
	for _, k := range known {
		if k.name != name {
			continue
		}
		s := Server{
			Name:      k.name,
			Endpoint:  os.Getenv(k.prefix + "ENDPOINT"),
			AccessKey: os.Getenv(k.prefix + "ACCESS_KEY"),
			SecretKey: os.Getenv(k.prefix + "SECRET_KEY"),
		}
		return s, s.Endpoint != ""
	}
	return Server{}, false
}

// Require returns the server called name, skipping t when it is not set (or
// failing t under CI=true).
func Require(t testing.TB, name string) Server {
	t.Helper()
	if s, ok := Lookup(name); ok {
		return s
	}
	k := describe(t, name)
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI must run the tests against %s: %sENDPOINT is not set (.ci/run starts the server and sets it)", k.what, k.prefix)
	}
	t.Skipf("%s tests skipped: set %[2]sENDPOINT (host:port), %[2]sACCESS_KEY and %[2]sSECRET_KEY to run them", k.what, k.prefix)
	return Server{}
}

// Configured returns every server that is set, in the order of Names; under
// CI=true a server that is not set fails t.
func Configured(t testing.TB) []Server {
	t.Helper()
	var out []Server
	for _, k := range known {
		s, ok := Lookup(k.name)
		switch {
		case ok:
			out = append(out, s)
		case os.Getenv("CI") == "true":
			t.Fatalf("CI=true but %sENDPOINT is not set: CI must run the tests against %s", k.prefix, k.what)
		}
	}
	return out
}

func describe(t testing.TB, name string) server {
	t.Helper()
	for _, k := range known {
		if k.name == name {
			return k
		}
	}
	t.Fatalf("s3test: no server called %q (known: %v)", name, Names())
	return server{}
}
