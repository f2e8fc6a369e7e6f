package app

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func runMain(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestCommands(t *testing.T) {
	for _, db := range backends(t) {
		t.Run(db.name, func(t *testing.T) {
			t.Setenv("PILU_DATA_DIR", t.TempDir())
			for k, v := range db.env {
				t.Setenv(k, v)
			}
			cases := []struct {
				args []string
				code int
				out  string
			}{
				{[]string{"version"}, 0, "pilu "},
				{[]string{"help"}, 0, "usage: pilu"},
				{[]string{"frobnicate"}, 2, "unknown command"},
				{[]string{"serve", "--addr", "nonsense"}, 1, "PILU_ADDR"},
				{[]string{"serve", "--no-such-flag"}, 2, "no-such-flag"},
				{[]string{"migrate"}, 0, "schema version "},
				{[]string{"migrate"}, 0, "applied 0 migration(s)"},
				{[]string{"users"}, 2, "only subcommand is add"},
				{[]string{"users", "add", "--role", "office"}, 2, "--email"},
				{[]string{"users", "add", "--role", "office", "--email", "gd@example.cn", "--province", "990000"}, 2, "province"},
				{[]string{"users", "add", "--role", "king", "--email", "k@example.cn"}, 2, "role"},
				{[]string{"users", "add", "--role", "office", "--email", "gd@example.cn", "--province", "440000"}, 0, "password: "},
				{[]string{"users", "add", "--role", "office", "--email", "gd@example.cn", "--province", "440000"}, 1, "conflict"},
				{[]string{"reindex"}, 0, "search index rebuilt"},
			}
			for _, c := range cases {
				code, out, errs := runMain(t, c.args...)
				if code != c.code || !strings.Contains(out+errs, c.out) {
					t.Errorf("pilu %s: exit %d (want %d), output %q", strings.Join(c.args, " "), code, c.code, out+errs)
				}
				if code == 1 && strings.Count(strings.TrimSpace(errs), "\n") > 0 {
					t.Errorf("pilu %s: a failure is one line on stderr, got %q", strings.Join(c.args, " "), errs)
				}
			}
			_, out, _ := runMain(t, "users", "add", "--role", "admin", "--email", "root@example.cn")
			if !strings.Contains(out, "\ntoken: pilu_") {
				t.Fatalf("users add prints the token on its own line: %q", out)
			}
		})
	}
}

func TestServeShutsDownGracefully(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ts := newTestServer(t, map[string]string{"PILU_ADDR": addr})
	ts.cfg.Addr = addr
	ts.Start()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ts.Serve(ctx) }()
	var res *http.Response
	for i := 0; i < 50; i++ {
		if res, err = http.Get(fmt.Sprintf("http://%s/healthz", addr)); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("serving: %v", err)
	}
	res.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve after shutdown: %v", err)
		}
	case <-time.After(25 * time.Second):
		t.Fatal("Serve did not return after the context ended")
	}
	if err := ts.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if _, err := http.Get(fmt.Sprintf("http://%s/healthz", addr)); err == nil {
		t.Fatal("the listener must be closed")
	}
}
