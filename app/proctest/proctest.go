// Package proctest serves tests that run the pilu command as processes of their own (app's
// crash and consistency tests, app/scaleout's three processes behind nginx): it builds the command,
// finds free local addresses and names the tests' Redis.
package proctest

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Binary builds the pilu command into a temporary folder of t and returns its path.
func Binary(t *testing.T) string {
	t.Helper()
	mod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil || strings.TrimSpace(string(mod)) == "" {
		t.Fatalf("go env GOMOD: %v (%s)", err, mod)
	}
	bin := filepath.Join(t.TempDir(), "pilu")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(mod)))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// handedOut are the addresses FreeAddr has given in this test binary.
var handedOut sync.Map

// FreeAddr returns a local address nobody listens on, and never the same one twice in a test binary:
// the kernel may give a port that was just closed again, so two addresses asked for before either
// is listened on could be the same (seen: a process's metrics address was another's public one).
func FreeAddr(t *testing.T) string {
	t.Helper()
	for {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		if _, seen := handedOut.LoadOrStore(addr, true); !seen {
			return addr
		}
	}
}

// RedisURL is the Redis of the tests (PILU_TEST_REDIS_URL, redis://host:port/db; .ci/run sets it);
// without it the test is skipped, and under CI=true it fails, so CI never passes without Redis.
func RedisURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("PILU_TEST_REDIS_URL")
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but PILU_TEST_REDIS_URL is not set: CI must run the Redis tests")
		}
		t.Skip("PILU_TEST_REDIS_URL not set: the Redis part is skipped (bash .ci/run sets it)")
	}
	return u
}
