package app

import (
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"

	"pilu/models/dbtest"
)

// cuttableProxy forwards TCP connections to a server until it is cut: then it closes every open
// connection and refuses new ones, as a database server that died would; restore listens again on
// the same address.
type cuttableProxy struct {
	t      *testing.T
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func newCuttableProxy(t *testing.T, target string) *cuttableProxy {
	p := &cuttableProxy{t: t, target: target}
	p.listen("127.0.0.1:0")
	t.Cleanup(p.cut)
	return p
}

func (p *cuttableProxy) listen(addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { io.Copy(s, c); s.Close() }()
			go func() { io.Copy(c, s); c.Close() }()
		}
	}()
}

func (p *cuttableProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *cuttableProxy) restore() { p.listen(p.addr) }

// TestDatabaseOutageAnswers503 cuts the portal off its MariaDB server: every page and API read that
// needs the database answers 503 with Retry-After and a message in the reader's language (never a
// 500), the search API, which needs only the index, keeps answering, /readyz names the database, and
// once the server is reachable again the portal serves as before without a restart.
func TestDatabaseOutageAnswers503(t *testing.T) {
	dbs := dbtest.DSNs(t)
	if len(dbs) < 2 {
		t.Skip("needs MariaDB (PILU_TEST_MYSQL); .ci/run sets it")
	}
	u, err := url.Parse(dbs[1].DSN)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newCuttableProxy(t, u.Host)
	u.Host = proxy.addr
	ts := newTestServer(t, map[string]string{"PILU_DB": u.String(), "PILU_SECRET": strings.Repeat("s", 40)})
	in := ts.seedInstitution("440106", "MA5DB0001", "深圳市断线测试有限公司", "440000", "断线测试")
	ts.drain()
	paths := []string{"/institutions/" + in.USCC, "/api/v1/institutions/" + in.USCC, "/notices", "/api/v1/notices"}
	for _, p := range paths {
		if r := ts.get(p); r.StatusCode != 200 {
			t.Fatalf("%s before the outage: %d", p, r.StatusCode)
		}
	}

	proxy.cut()
	for _, p := range paths {
		r := ts.get(p, "Cache-Control", "no-cache")
		if r.StatusCode != 503 || r.Header.Get("Retry-After") == "" {
			t.Errorf("%s during the outage: %d, Retry-After %q", p, r.StatusCode, r.Header.Get("Retry-After"))
		}
		if !strings.HasPrefix(p, "/api/") && !strings.Contains(r.body, "服务暂时不可用") {
			t.Errorf("%s during the outage does not say so in Chinese", p)
		}
	}
	if r := ts.get("/api/v1/search?q="+in.USCC, "Cache-Control", "no-cache"); r.StatusCode != 200 || !strings.Contains(r.body, in.USCC) {
		t.Errorf("search during the outage: %d %.200s", r.StatusCode, r.body)
	}
	if r := ts.get("/readyz"); r.StatusCode != 503 || !strings.Contains(r.body, `"database":{"dialect":"mysql","error"`) {
		t.Errorf("/readyz during the outage: %d %.300s", r.StatusCode, r.body)
	}

	proxy.restore()
	for _, p := range paths {
		if r := ts.get(p, "Cache-Control", "no-cache"); r.StatusCode != 200 {
			t.Errorf("%s after the outage: %d", p, r.StatusCode)
		}
	}
}
