package app

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"pilu/app/proctest"
)

// runMain runs the pilu command line (cli.Main, through cliMain) with args and returns its exit
// status, standard output and standard error.
func runMain(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := cliMain(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestServeShutsDownGracefully(t *testing.T) {
	addr := proctest.FreeAddr(t)
	ts := newTestServer(t, map[string]string{"PILU_ADDR": addr})
	ts.cfg.Addr = addr
	ts.Start()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ts.Serve(ctx) }()
	var res *http.Response
	var err error
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
