// Package scaleout tests the scale-out layout of the README ("Several processes") on the real
// binary: three pilu processes behind nginx. It is a package of its own so that go test runs it
// beside the app package's tests, not after them.
package scaleout

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/textproto"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"pilu/app/blob/s3test"
	"pilu/app/proctest"
	"pilu/models"
	"pilu/models/dbtest"
)

// nginxBinary is the nginx the scale-out test runs (PILU_TEST_NGINX; .ci/run installs Debian's
// package and sets it); without it the test is skipped, and under CI=true it fails.
func nginxBinary(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("PILU_TEST_NGINX")
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but PILU_TEST_NGINX is not set: CI must run the three-process test")
		}
		t.Skip("PILU_TEST_NGINX not set: three-process test skipped (bash .ci/run sets it)")
	}
	return bin
}

// scaleProc is one `pilu serve` process of the scale-out test.
type scaleProc struct {
	addr, metrics, log string
	cmd                *exec.Cmd
	done               chan struct{} // closed when the process has exited
}

// scalePortal is three pilu processes on one MariaDB, one S3 bucket and one Redis, behind nginx.
type scalePortal struct {
	t           *testing.T
	procs       []*scaleProc
	front       string // nginx, round-robin over the three processes
	single      string // nginx, to the first process alone
	clients     atomic.Int64
	run         string        // random part of this run's client addresses
	metricsErrs map[int]error // the last failure to read each process's /metrics, for the log
}

// client returns a new client address for X-Forwarded-For (nginx's realip module makes it the
// address it passes on in X-Real-IP), so that every part of the test has rate limits of its own, and
// runs one after the other never share a Redis bucket.
func (p *scalePortal) client() string {
	n := p.clients.Add(1)
	b, _ := hex.DecodeString(p.run)
	return fmt.Sprintf("10.%d.%d.%d", b[0], b[1]^byte(n>>8), byte(n))
}

// upstream is the process that answered r through nginx (its X-Upstream header: the last address
// nginx tried), as an index into procs, or -1.
func (p *scalePortal) upstream(r *http.Response) int {
	addrs := strings.Split(r.Header.Get("X-Upstream"), ",")
	last := strings.TrimSpace(addrs[len(addrs)-1])
	for i, pr := range p.procs {
		if pr.addr == last {
			return i
		}
	}
	return -1
}

// do sends a request through the front nginx as client and reads the answer whole.
func (p *scalePortal) do(hc *http.Client, client, method, path, ctype string, body io.Reader, hdr ...string) (*http.Response, string, error) {
	req, err := http.NewRequest(method, "http://"+p.front+path, body)
	if err != nil {
		return nil, "", err
	}
	req.Header.Set("X-Forwarded-For", client)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := hc.Do(req)
	if err != nil {
		return nil, "", err
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	return res, string(b), err
}

// metricsClient reads the processes' metrics; a process that does not answer within a second counts
// as not known (-1), never as a hang of the test.
var metricsClient = &http.Client{Timeout: time.Second}

// leaseHolders reads pilu_scheduler_lease_held from each live process's /metrics: 1 where the
// process holds the scheduler's lease, 0 where not, -1 where it does not answer.
func (p *scalePortal) leaseHolders() []int {
	out := make([]int, len(p.procs))
	for i, pr := range p.procs {
		out[i] = -1
		res, err := metricsClient.Get("http://" + pr.metrics + "/metrics")
		if err != nil {
			p.metricsErrs[i] = err
			continue
		}
		if res.StatusCode != 200 {
			b, _ := io.ReadAll(io.LimitReader(res.Body, 300))
			res.Body.Close()
			p.metricsErrs[i] = fmt.Errorf("status %d: %s", res.StatusCode, b)
			continue
		}
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "pilu_scheduler_lease_held "); ok {
				out[i], _ = strconv.Atoi(v)
			}
		}
		res.Body.Close()
	}
	return out
}

// TestThreeProcessesBehindNginx runs the scale-out layout of the README: three `pilu serve`
// processes on one MariaDB database, one S3 bucket (SeaweedFS when configured) and one Redis, each
// with its own index folder, behind nginx (round-robin, X-Real-IP set, PILU_TRUSTED_PROXIES set).
// Through nginx: a client's rate limit holds once across the three; login throttling and a session
// work whichever process answers; exactly one process holds the scheduler's lease; a disclosure
// filed through one process is found through every other within 2 s; requests a second through
// the three against one alone; SIGKILL of the lease holder while filings go on loses no
// acknowledged filing, the others keep serving, and another takes the scheduler over.
func TestThreeProcessesBehindNginx(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs three processes behind nginx")
	}
	nginx := nginxBinary(t)
	redisURL := proctest.RedisURL(t)
	dbs := dbtest.DSNs(t)
	if len(dbs) < 2 {
		t.Skip("needs MariaDB (PILU_TEST_MYSQL)")
	}
	s3, ok := s3test.Lookup("seaweedfs")
	if !ok {
		s3 = s3test.Require(t, "minio")
	}
	bin := proctest.Binary(t)
	dir := t.TempDir()
	rb := make([]byte, 20)
	rand.Read(rb)
	p := &scalePortal{t: t, front: proctest.FreeAddr(t), single: proctest.FreeAddr(t), run: hex.EncodeToString(rb[:2]), metricsErrs: map[int]error{}}
	const lease = 4 * time.Second // renewed every 1.3 s: a process under load keeps it
	env := []string{"PILU_DB=" + dbs[1].DSN, "PILU_SECRET=" + hex.EncodeToString(rb), "PILU_DEMO=0",
		"PILU_REDIS_URL=" + redisURL, "PILU_TRUSTED_PROXIES=127.0.0.1", "PILU_BASE_URL=http://" + p.front,
		"PILU_SCHEDULER_LEASE=" + lease.String(), "PILU_LOG_FORMAT=json"}
	for k, v := range s3Env(s3) {
		env = append(env, k+"="+v)
	}
	migrate := exec.Command(bin, "migrate")
	migrate.Env = append(os.Environ(), append(env, "PILU_DATA_DIR="+filepath.Join(dir, "migrate"))...)
	if out, err := migrate.CombinedOutput(); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	st, err := models.Open(dbs[1].DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	uscc, _ := models.MakeUSCC("440106", "MA5LTCT07")
	in, err := st.CreateInstitution(ctx, models.NewInstitution{USCC: uscc, Name: "广州市鹭汀网络借贷信息中介服务有限公司", Province: "440000"}, "test", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	_, password, token, err := st.CreateUser(ctx, models.NewUser{Role: models.RoleInstitution, Email: "filer@luting.cn", InstitutionUSCC: in.USCC})
	if err != nil {
		t.Fatal(err)
	}

	// Three processes, each with its own data folder (and so its own index) and metrics listener.
	for i := range 3 {
		pr := &scaleProc{addr: proctest.FreeAddr(t), metrics: proctest.FreeAddr(t), log: filepath.Join(dir, fmt.Sprintf("pilu%d.log", i)), done: make(chan struct{})}
		logf, err := os.Create(pr.log)
		if err != nil {
			t.Fatal(err)
		}
		pr.cmd = exec.Command(bin, "serve")
		pr.cmd.Env = append(os.Environ(), append(env, "PILU_DATA_DIR="+filepath.Join(dir, fmt.Sprintf("data%d", i)),
			"PILU_ADDR="+pr.addr, "PILU_METRICS_ADDR="+pr.metrics)...)
		pr.cmd.Stdout, pr.cmd.Stderr = logf, logf
		if err := pr.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { pr.cmd.Wait(); logf.Close(); close(pr.done) }()
		t.Cleanup(func() { pr.cmd.Process.Kill(); <-pr.done })
		p.procs = append(p.procs, pr)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for i, pr := range p.procs {
				b, _ := os.ReadFile(pr.log)
				lines := strings.Split(strings.TrimSpace(string(b)), "\n")
				var notable []string // the lease's story and warnings other than the test PDFs' text
				for _, l := range lines {
					if strings.Contains(l, "lease") || (strings.Contains(l, `"level":"WARN"`) && !strings.Contains(l, "text extraction")) ||
						strings.Contains(l, `"level":"ERROR"`) {
						notable = append(notable, l)
					}
				}
				t.Logf("--- process %d (%s): lease and warnings ---\n%s", i, pr.addr, strings.Join(notable[max(0, len(notable)-40):], "\n"))
				t.Logf("--- last lines of process %d (%s) ---\n%s", i, pr.addr, strings.Join(lines[max(0, len(lines)-15):], "\n"))
			}
		}
	})
	for i, pr := range p.procs {
		waitReady(t, "http://"+pr.addr, pr.done, fmt.Sprintf("process %d", i))
	}

	// nginx in front, a child of this test with a configuration of its own.
	ngx := filepath.Join(dir, "nginx")
	os.MkdirAll(filepath.Join(ngx, "tmp"), 0o755)
	conf := filepath.Join(ngx, "nginx.conf")
	if err := os.WriteFile(conf, []byte(nginxConf(ngx, p)), 0o644); err != nil {
		t.Fatal(err)
	}
	nx := exec.Command(nginx, "-p", ngx, "-c", conf, "-e", filepath.Join(ngx, "error.log"))
	nx.Stdout, nx.Stderr = os.Stderr, os.Stderr
	if err := nx.Start(); err != nil {
		t.Fatal(err)
	}
	nxDone := make(chan struct{})
	go func() { nx.Wait(); close(nxDone) }()
	t.Cleanup(func() { nx.Process.Signal(syscall.SIGQUIT); <-nxDone })
	waitReady(t, "http://"+p.front, nxDone, "nginx")
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

	t.Run("round robin", func(t *testing.T) {
		seen := map[int]bool{}
		for range 6 {
			res, _, err := p.do(hc, p.client(), "GET", "/healthz", "", nil)
			if err != nil || res.StatusCode != 200 {
				t.Fatalf("healthz through nginx: %v %v", res, err)
			}
			seen[p.upstream(res)] = true
		}
		if len(seen) != 3 || seen[-1] {
			t.Fatalf("nginx sent six requests to %v, want each of the three processes", seen)
		}
	})

	t.Run("rate limit shared", func(t *testing.T) {
		client, start := p.client(), time.Now()
		passed, seen := 0, map[int]int{}
		claimsPerMinute := 0 // the route's allowance, as its RateLimit-Limit header says
		for i := 0; i == 0 || i < 3*claimsPerMinute; i++ {
			res, body, err := p.do(hc, client, "POST", "/api/v1/claims/status", "application/json", strings.NewReader(`{}`))
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				if claimsPerMinute, _ = strconv.Atoi(res.Header.Get("RateLimit-Limit")); claimsPerMinute < 1 || claimsPerMinute > 100 {
					t.Fatalf("claim status: RateLimit-Limit %q", res.Header.Get("RateLimit-Limit"))
				}
			}
			switch res.StatusCode {
			case 429:
				if res.Header.Get("Retry-After") == "" {
					t.Fatalf("a 429 without Retry-After: %v", res.Header)
				}
			case 200, 404, 422:
				passed++
				seen[p.upstream(res)]++
			default:
				t.Fatalf("claim status through nginx: %d %s", res.StatusCode, body)
			}
		}
		refill := int(time.Since(start).Seconds()*float64(claimsPerMinute)/60) + 1
		if passed < claimsPerMinute || passed > claimsPerMinute+refill-1 || len(seen) != 3 {
			t.Fatalf("%d of %d claim-status look-ups passed through three processes (%v), want one allowance of %d", passed, 3*claimsPerMinute, seen, claimsPerMinute)
		}
		// Another client has an allowance of its own.
		if res, body, err := p.do(hc, p.client(), "POST", "/api/v1/claims/status", "application/json", strings.NewReader(`{}`)); err != nil || res.StatusCode == 429 {
			t.Fatalf("another client: %v %s %v", res, body, err)
		}
		t.Logf("rate limit: %d of %d look-ups passed through three processes (per process %v), allowance %d/min", passed, 3*claimsPerMinute, seen, claimsPerMinute)
	})

	t.Run("login throttle and session", func(t *testing.T) {
		jar, _ := cookiejar.New(nil)
		browser := &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		client := p.client()
		res, page, err := p.do(browser, client, "GET", "/login", "", nil)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("login page: %v %v", res, err)
		}
		m := regexp.MustCompile(`name="_csrf" value="([0-9a-f]+)"`).FindStringSubmatch(page)
		if m == nil {
			t.Fatal("no CSRF token on the login page")
		}
		login := func(pw string) (*http.Response, string) {
			form := url.Values{"_csrf": {m[1]}, "email": {"filer@luting.cn"}, "password": {pw}}
			res, body, err := p.do(browser, client, "POST", "/login", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()), "Origin", "http://"+p.front)
			if err != nil {
				t.Fatal(err)
			}
			return res, body
		}
		failedOn := map[int]bool{}
		for i := range models.LoginFreeFailures {
			res, body := login("wrong-password")
			if res.StatusCode != 401 {
				t.Fatalf("wrong password %d: %d %.300s", i, res.StatusCode, body)
			}
			failedOn[p.upstream(res)] = true
		}
		// The failures were counted on different processes; the next attempt waits, on any of them,
		// even with the right password.
		res, body := login(password)
		if res.StatusCode != 429 || res.Header.Get("Retry-After") == "" || len(failedOn) < 2 {
			t.Fatalf("after %d failures on processes %v: %d %.300s", models.LoginFreeFailures, failedOn, res.StatusCode, body)
		}
		wait, _ := strconv.Atoi(res.Header.Get("Retry-After"))
		time.Sleep(time.Duration(wait)*time.Second + 100*time.Millisecond) // the throttle's real wait
		if res, body = login(password); res.StatusCode != 303 {
			t.Fatalf("the right password after the wait: %d %.300s", res.StatusCode, body)
		}
		served := map[int]bool{}
		for range 3 {
			res, body, err := p.do(browser, client, "GET", "/filer", "", nil)
			if err != nil || res.StatusCode != 200 || !strings.Contains(body, "鹭汀") {
				t.Fatalf("the filer's page with the session: %v %v %.300s", res, err, body)
			}
			served[p.upstream(res)] = true
		}
		if len(served) != 3 {
			t.Fatalf("the session was used on processes %v, want all three", served)
		}
	})

	t.Run("one scheduler", func(t *testing.T) {
		if h := waitLeaseHolder(t, p, nil, 5*lease); h < 0 {
			t.Fatal("no process took the scheduler's lease")
		}
		// Sampled for three seconds: never two holders.
		for end := time.Now().Add(3 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
			held := p.leaseHolders()
			n := 0
			for _, v := range held {
				n += max(v, 0)
			}
			if n != 1 {
				t.Fatalf("scheduler lease held by %v, want exactly one process", held)
			}
		}
	})

	var perProcess []time.Duration
	t.Run("filed on one, found on every other", func(t *testing.T) {
		for range 3 {
			word := scaleWord()
			id, by := p.file(t, hc, p.client(), token, in.USCC, word)
			if id == 0 {
				t.Fatalf("filing answered %d", by)
			}
			filed := time.Now()
			found := map[int]time.Duration{}
			client := p.client()
			for len(found) < 3 && time.Since(filed) < 5*time.Second {
				res, body, err := p.do(hc, client, "GET", "/api/v1/search?type=disclosure&q="+word, "", nil)
				if err != nil || res.StatusCode != 200 {
					t.Fatalf("search: %v %v %.200s", res, err, body)
				}
				if u := p.upstream(res); found[u] == 0 && strings.Contains(body, fmt.Sprintf("/disclosures/%d\"", id)) {
					found[u] = time.Since(filed)
				}
				time.Sleep(5 * time.Millisecond)
			}
			for i := range p.procs {
				if i == by {
					continue
				}
				d, ok := found[i]
				if !ok || d > 2*time.Second {
					t.Fatalf("filed through process %d, found on %v", by, found)
				}
				perProcess = append(perProcess, d)
			}
		}
		sort.Slice(perProcess, func(i, j int) bool { return perProcess[i] < perProcess[j] })
		figure(t, "filing to found on another process: median %v, max %v (%d cases, polls every 5 ms, outbox polled every 500 ms)",
			perProcess[len(perProcess)/2].Round(time.Millisecond), perProcess[len(perProcess)-1].Round(time.Millisecond), len(perProcess))
	})

	t.Run("requests a second", func(t *testing.T) {
		three := p.load(hc, p.front, 3*time.Second)
		one := p.load(hc, p.single, 3*time.Second)
		if three.ok == 0 || one.ok == 0 || three.other > 0 || one.other > 0 {
			t.Fatalf("load: three %+v, one %+v", three, one)
		}
		figure(t, "requests a second through nginx (GET /api/v1/search, 16 clients, 3 s each): three processes %.0f, one process %.0f (×%.2f), on %d cores",
			three.rate(), one.rate(), three.rate()/one.rate(), runtime.NumCPU())
	})

	t.Run("holder killed during filings", func(t *testing.T) {
		holder := waitLeaseHolder(t, p, nil, 5*lease)
		if holder < 0 {
			t.Fatal("no scheduler lease holder")
		}
		type ack struct {
			id   uint64
			word string
		}
		var (
			mu              sync.Mutex
			acked           []ack
			statuses        = map[int]int{}
			afterKill       atomic.Int32
			killed          atomic.Bool
			stop            = make(chan struct{})
			wg              sync.WaitGroup
			transportErrors atomic.Int32
		)
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				client := p.client()
				for {
					select {
					case <-stop:
						return
					default:
					}
					word := scaleWord()
					id, by := p.file(t, hc, client, token, in.USCC, word)
					mu.Lock()
					switch {
					case id > 0:
						acked = append(acked, ack{id, word})
						if killed.Load() {
							afterKill.Add(1)
						}
					case by == -2:
						transportErrors.Add(1)
					default:
						statuses[-by]++
					}
					mu.Unlock()
				}
			}()
		}
		time.Sleep(1500 * time.Millisecond)
		killedAt := time.Now()
		killed.Store(true)
		p.procs[holder].cmd.Process.Signal(syscall.SIGKILL)
		<-p.procs[holder].done
		// The others keep serving reads while the filings go on.
		for range 6 {
			if res, body, err := p.do(hc, p.client(), "GET", "/api/v1/search?q="+url.QueryEscape("鹭汀"), "", nil); err != nil || res.StatusCode != 200 {
				t.Errorf("a read after the kill: %v %v %.200s", res, err, body)
			}
		}
		// Who holds the scheduler is the lease in the database (each process's gauge says what that
		// process last saw; /metrics answers slowly while the filings load the machine).
		took := time.Duration(-1)
		newHolder := waitLeaseRow(t, p, st, holder, time.Minute)
		if newHolder >= 0 {
			took = time.Since(killedAt)
		}
		time.Sleep(time.Second)
		close(stop)
		wg.Wait()
		if took < 0 || took > time.Minute {
			t.Fatalf("no process took the scheduler over within a minute of its holder's death")
		}
		// The processes' own gauges come to agree with the database once the filings stop (before
		// /metrics kept copies of its label values, a survivor's /metrics could answer 500 here).
		if h := waitLeaseHolder(t, p, map[int]bool{holder: true}, 15*time.Second); h != newHolder {
			t.Errorf("the lease is process %d's, but the processes' gauges say %v (reading /metrics: %v)", newHolder, p.leaseHolders(), p.metricsErrs)
		}
		if afterKill.Load() == 0 {
			t.Fatalf("no filing was acknowledged after the kill (refused %v, %d cut off)", statuses, transportErrors.Load())
		}
		// Every acknowledged filing is in the database and found through nginx.
		for _, a := range acked {
			if d, err := st.DisclosureByID(ctx, a.id); err != nil || !strings.Contains(d.Title, a.word) {
				t.Fatalf("filing %d (%s) was acknowledged but is not in the database: %v", a.id, a.word, err)
			}
		}
		deadline := time.Now().Add(10 * time.Second)
		client := p.client()
		for _, a := range acked {
			for {
				res, body, err := p.do(hc, client, "GET", "/api/v1/search?type=disclosure&q="+a.word, "", nil)
				if err == nil && res.StatusCode == 200 && strings.Contains(body, fmt.Sprintf("/disclosures/%d\"", a.id)) {
					break
				}
				if res != nil && res.StatusCode == 429 {
					client = p.client()
				}
				if time.Now().After(deadline) {
					t.Fatalf("acknowledged filing %d (%s) is not found: %v %v %.200s", a.id, a.word, res, err, body)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
		figure(t, "SIGKILL of the lease holder during filings: %d acknowledged (%d after the kill), all in the database and found; not acknowledged: %v by status, %d without an answer; scheduler taken over after %v (lease %v)",
			len(acked), afterKill.Load(), statuses, transportErrors.Load(), took.Round(100*time.Millisecond), lease)
	})
}

// figure logs one measured figure of the scale-out test and, when PILU_TEST_FIGURES names a file
// (.ci/run sets it and prints the file after the tests, since go test shows no log of a test that
// passes), appends it there.
func figure(t *testing.T, format string, args ...any) {
	t.Helper()
	line := fmt.Sprintf(format, args...)
	t.Log(line)
	if path := os.Getenv("PILU_TEST_FIGURES"); path != "" {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			t.Errorf("PILU_TEST_FIGURES: %v", err)
			return
		}
		defer f.Close()
		fmt.Fprintf(f, "%s: %s\n", t.Name(), line)
	}
}

// waitReady polls base/readyz until it answers 200 (a minute at most, or until done is closed).
func waitReady(t *testing.T, base string, done chan struct{}, what string) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		select {
		case <-done:
			t.Fatalf("%s exited during start-up", what)
		default:
		}
		if res, err := http.Get(base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
	}
	t.Fatalf("%s did not become ready within a minute", what)
}

// waitLeaseHolder waits up to limit until exactly one process not in except holds the scheduler's
// lease and returns it, or -1.
func waitLeaseHolder(t *testing.T, p *scalePortal, except map[int]bool, limit time.Duration) int {
	t.Helper()
	for end := time.Now().Add(limit); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		held, who := p.leaseHolders(), -1
		n := 0
		for i, v := range held {
			if v == 1 && !except[i] {
				n, who = n+1, i
			}
		}
		if n == 1 {
			return who
		}
	}
	return -1
}

// waitLeaseRow waits up to limit until the scheduler's lease in the database names a live process
// other than except (lease holders are named host/pid/random) and returns it, or -1.
func waitLeaseRow(t *testing.T, p *scalePortal, st *models.Store, except int, limit time.Duration) int {
	t.Helper()
	for end := time.Now().Add(limit); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		h, _, err := st.LeaseHolder(t.Context(), models.LeaseScheduler, time.Now())
		if err != nil {
			t.Logf("lease: %v", err)
			continue
		}
		parts := strings.Split(h, "/")
		if len(parts) < 3 {
			continue
		}
		for i, pr := range p.procs {
			if i != except && strconv.Itoa(pr.cmd.Process.Pid) == parts[len(parts)-2] {
				return i
			}
		}
	}
	return -1
}

// scaleWord is a word found in one filing's title only.
func scaleWord() string {
	b := make([]byte, 10)
	rand.Read(b)
	for i := range b {
		b[i] = 'a' + b[i]%26
	}
	return "scale" + string(b)
}

// file files a disclosure titled with word through nginx; it returns the new id and the process
// that answered, or 0 and the status negated (-2 when the request got no answer).
func (p *scalePortal) file(t *testing.T, hc *http.Client, client, token, uscc, word string) (uint64, int) {
	body, ctype := filing(fmt.Sprintf(`{"kind": "other", "title": "兑付进展 %s"}`, word))
	res, answer, err := p.do(hc, client, "POST", "/api/v1/institutions/"+uscc+"/disclosures", ctype, body, "Authorization", "Bearer "+token)
	if err != nil {
		return 0, -2
	}
	if res.StatusCode != 201 {
		return 0, -res.StatusCode
	}
	var d struct{ ID uint64 }
	if err := json.Unmarshal([]byte(answer), &d); err != nil || d.ID == 0 {
		t.Errorf("a 201 without an id: %s", answer)
		return 0, -res.StatusCode
	}
	return d.ID, p.upstream(res)
}

// loadResult counts the answers of a load run.
type loadResult struct {
	ok, other int64
	took      time.Duration
}

func (r loadResult) rate() float64 { return float64(r.ok) / math.Max(r.took.Seconds(), 1e-9) }

// load sends search requests to addr from 16 clients for d, each request from one of 256 client
// addresses (so the run measures serving, not the API's rate limit).
func (p *scalePortal) load(hc *http.Client, addr string, d time.Duration) loadResult {
	queries := []string{"兑付", "退出", "鹭汀", "广州", "scale", "公告"}
	var ok, other atomic.Int64
	var n atomic.Int64
	end := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(end) {
				i := n.Add(1)
				req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/search?q="+url.QueryEscape(queries[i%int64(len(queries))]), nil)
				req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.250.%d.%d", (i/256)%256, i%256))
				res, err := hc.Do(req)
				if err != nil {
					other.Add(1)
					continue
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode == 200 {
					ok.Add(1)
				} else {
					other.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return loadResult{ok: ok.Load(), other: other.Load(), took: time.Since(start)}
}

// nginxConf is the configuration of the test's nginx: one worker, in the foreground, every file
// under prefix; the front server balances round-robin over the three processes, the single server
// sends everything to the first; both set X-Real-IP (from X-Forwarded-For, which the realip
// module takes from the test on loopback, as from a trusted outer balancer) and name the process
// that answered in X-Upstream.
func nginxConf(prefix string, p *scalePortal) string {
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;" // workers keep access to the temporary folders under prefix
	}
	var up strings.Builder
	for _, pr := range p.procs {
		fmt.Fprintf(&up, "\t\tserver %s max_fails=1 fail_timeout=30s;\n", pr.addr)
	}
	proxy := `
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_set_header Host $http_host;
			proxy_set_header X-Real-IP $remote_addr;
			proxy_connect_timeout 2s;
			proxy_next_upstream error timeout;
			add_header X-Upstream $upstream_addr always;`
	return fmt.Sprintf(`%s
daemon off;
worker_processes 1;
pid %[2]s/nginx.pid;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path %[2]s/tmp/body;
	proxy_temp_path %[2]s/tmp/proxy;
	fastcgi_temp_path %[2]s/tmp/fastcgi;
	uwsgi_temp_path %[2]s/tmp/uwsgi;
	scgi_temp_path %[2]s/tmp/scgi;
	client_max_body_size 60m;
	set_real_ip_from 127.0.0.1;
	real_ip_header X-Forwarded-For;
	upstream pilu {
%[3]s		keepalive 32;
	}
	upstream one {
		server %[4]s;
		keepalive 32;
	}
	server {
		listen %[5]s;
		location / {
			proxy_pass http://pilu;%[6]s
		}
	}
	server {
		listen %[7]s;
		location / {
			proxy_pass http://one;%[6]s
		}
	}
}
`, user, prefix, up.String(), p.procs[0].addr, p.front, proxy, p.single)
}

// testPDF is the smallest file the portal takes as a PDF.
var testPDF = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

// filing is the multipart body of a filing: the meta part and one PDF.
func filing(meta string) (*bytes.Buffer, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="meta"`)
	h.Set("Content-Type", "application/json")
	pw, _ := w.CreatePart(h)
	pw.Write([]byte(meta))
	h = textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="files"; filename="a.pdf"`)
	h.Set("Content-Type", "application/pdf")
	pw, _ = w.CreatePart(h)
	pw.Write(testPDF)
	w.Close()
	return &buf, w.FormDataContentType()
}

// s3Env is the environment that stores blobs in a fresh bucket on s3.
func s3Env(s3 s3test.Server) map[string]string {
	b := make([]byte, 4)
	rand.Read(b)
	return map[string]string{
		"PILU_S3_ENDPOINT":   s3.Endpoint,
		"PILU_S3_ACCESS_KEY": s3.AccessKey,
		"PILU_S3_SECRET_KEY": s3.SecretKey,
		"PILU_S3_BUCKET":     "pilu-scale-test-" + hex.EncodeToString(b),
	}
}
