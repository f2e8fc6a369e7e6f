package app

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"pilu/app/proctest"
	"pilu/models"
)

// chromiumPath is Debian's Chromium, which .ci/run installs when it is missing.
const chromiumPath = "/usr/bin/chromium"

// screenshotDir is where the browser tests save their screenshots (README, "Browser tests").
const screenshotDir = "../artifacts/screenshots"

// stepTimeout bounds one step of a flow, so that a broken page fails the test instead of hanging it.
const stepTimeout = 20 * time.Second

// browserServer is a portal with the demo data set, served on an ephemeral port for a real browser.
type browserServer struct {
	*testServer
	base string
}

// startBrowserServer starts the portal with the demo data set on 127.0.0.1 at a free port.
func startBrowserServer(t *testing.T) *browserServer {
	t.Helper()
	return startBrowserServerWith(t, nil)
}

// startBrowserServerWith is startBrowserServer with more environment (e.g. a mail server).
func startBrowserServerWith(t *testing.T, extra map[string]string) *browserServer {
	t.Helper()
	addr := proctest.FreeAddr(t)
	env := map[string]string{"PILU_ADDR": addr, "PILU_DEMO": "1"}
	maps.Copy(env, extra)
	ts := newTestServer(t, env)
	ts.cfg.Addr = addr
	ts.Start()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ts.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	base := "http://" + addr
	for i := 0; ; i++ {
		res, err := http.Get(base + "/healthz")
		if err == nil {
			res.Body.Close()
			break
		}
		if i == 100 {
			t.Fatalf("the portal does not answer on %s: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond) // waiting for a real listener, not for the portal's clock
	}
	return &browserServer{testServer: ts, base: base}
}

// addUser creates a user through the store and returns its password.
func (bs *browserServer) addUser(nu models.NewUser) string {
	bs.t.Helper()
	_, password, _, err := bs.store.CreateUser(context.Background(), nu)
	if err != nil {
		bs.t.Fatal(err)
	}
	return password
}

// newBrowserContext starts a headless Chromium with a fresh profile; without Chromium the test is
// skipped locally and fails under CI=true.
func newBrowserContext(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but %s is missing: .ci/run installs Debian's chromium", chromiumPath)
		}
		t.Skipf("no Chromium at %s (apt-get install chromium fonts-noto-cjk)", chromiumPath)
	}
	// The whole browser session is bounded too: a Chromium that never answers fails the test in
	// minutes instead of holding go test until its own timeout.
	bounded, cancelBounded := context.WithTimeout(context.Background(), 8*time.Minute)
	t.Cleanup(cancelBounded)
	alloc, cancelAlloc := chromedp.NewExecAllocator(bounded,
		chromedp.ExecPath(chromiumPath),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("lang", "zh-CN"),
		chromedp.WindowSize(1280, 800),
	)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return ctx
}

// flow is one person's way through the portal in a browser tab; every step leaves a desktop and a
// phone screenshot in artifacts/screenshots/<flow>/, and a failing step's are named FAILED.
type flow struct {
	t    *testing.T
	bs   *browserServer
	ctx  context.Context
	name string
	n    int
}

func newFlow(t *testing.T, bs *browserServer, ctx context.Context, name string) *flow {
	t.Helper()
	dir := filepath.Join(screenshotDir, name)
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return &flow{t: t, bs: bs, ctx: ctx, name: name}
}

// step runs the actions of one step and saves its screenshots; a failure stops the flow.
func (f *flow) step(name string, steps ...chromedp.Action[chromedp.Void]) {
	f.t.Helper()
	f.n++
	ctx, cancel := context.WithTimeout(f.ctx, stepTimeout)
	err := chromedp.Do(ctx, steps...)
	cancel()
	label := fmt.Sprintf("%02d-%s", f.n, name)
	if err != nil {
		label += "-FAILED"
	}
	shots := f.shoot(label)
	if err != nil {
		url, _ := chromedp.Run(f.ctx, chromedp.Location())
		f.t.Fatalf("%s, step %q at %s: %v (screenshots: %s)", f.name, name, url, err, strings.Join(shots, ", "))
	}
}

// shoot saves the page as a desktop (1280×800) and a phone (390×844) would show it.
func (f *flow) shoot(label string) []string {
	f.t.Helper()
	var out []string
	for _, v := range []struct {
		name          string
		width, height int64
		mobile        bool
	}{{"desktop", 1280, 800, false}, {"phone", 390, 844, true}} {
		ctx, cancel := context.WithTimeout(f.ctx, stepTimeout)
		err := chromedp.Do(ctx, chromedp.EmulateViewport(v.width, v.height, func(p *emulation.SetDeviceMetricsOverrideParams, _ *emulation.SetTouchEmulationEnabledParams) {
			p.Mobile = v.mobile
		}))
		var png []byte
		if err == nil {
			png, err = chromedp.Run(ctx, chromedp.CaptureScreenshot())
		}
		cancel()
		if err != nil {
			f.t.Logf("screenshot %s %s: %v", label, v.name, err)
			continue
		}
		p := filepath.Join(screenshotDir, f.name, label+"-"+v.name+".png")
		if err := os.WriteFile(p, png, 0o644); err != nil {
			f.t.Fatal(err)
		}
		out = append(out, p)
	}
	ctx, cancel := context.WithTimeout(f.ctx, stepTimeout)
	defer cancel()
	chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800))
	return out
}

// open navigates to a path of the portal.
func (f *flow) open(path string) chromedp.Action[chromedp.Void] {
	return chromedp.Navigate(f.bs.base + path)
}

// textOf reads the visible text of the first element matching the CSS selector sel.
func textOf(sel string) chromedp.Action[string] {
	return chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible)
}

// visible waits until the element sel is visible.
func visible(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.WaitVisible(chromedp.CSS(sel))
}

// expectText fails when the text of sel does not contain want.
func expectText(sel, want string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		got, err := textOf(sel)(ctx, t)
		if err != nil {
			return err
		}
		if !strings.Contains(got, want) {
			return fmt.Errorf("%s reads %q, want %q in it", sel, trimTo(got, 300), want)
		}
		return nil
	})
}

// expectPath fails when the page's address does not match the pattern.
func expectPath(pattern string) chromedp.Action[chromedp.Void] {
	re := regexp.MustCompile(pattern)
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		loc, err := chromedp.Location()(ctx, t)
		if err != nil {
			return err
		}
		if !re.MatchString(loc) {
			return fmt.Errorf("at %s, want an address matching %s", loc, pattern)
		}
		return nil
	})
}

// andWait runs the action that leads to another page and waits for that page to load.
func andWait(a chromedp.Action[chromedp.Void]) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.RunResponse(ctx, a)
		return err
	})
}

// clickAndWait clicks the element sel (CSS, or XPath when it starts with //) and waits for the
// next page.
func clickAndWait(sel string) chromedp.Action[chromedp.Void] {
	if strings.HasPrefix(sel, "//") {
		return andWait(chromedp.Click(chromedp.Search(sel), chromedp.NodeVisible))
	}
	return andWait(chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// typeInto clears the field sel and types text into it key by key.
func typeInto(sel, text string) chromedp.Action[chromedp.Void] {
	clear := chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		v, err := chromedp.Value(chromedp.CSS(sel))(ctx, t)
		if err != nil || v == "" {
			return err // an empty textarea cannot be cleared
		}
		_, err = chromedp.Clear(chromedp.CSS(sel))(ctx, t)
		return err
	})
	return chromedp.Steps(clear, chromedp.SendKeys(chromedp.CSS(sel), text, chromedp.NodeVisible))
}

// evaluate runs JavaScript in the page and decodes its value.
func evaluate[T any](ctx context.Context, js string) (T, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[T](js))
}

// tabTo presses Tab until the focused element matches sel, as a keyboard user would.
func tabTo(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		for i := 0; i < 150; i++ {
			hit, err := chromedp.Evaluate[bool](fmt.Sprintf(`!!document.activeElement && document.activeElement.matches(%q)`, sel))(ctx, t)
			if err != nil {
				return err
			}
			if hit {
				return nil
			}
			if _, err := chromedp.KeyEvent(kb.Tab)(ctx, t); err != nil {
				return err
			}
		}
		return fmt.Errorf("150 presses of Tab never reached %s", sel)
	})
}

// pressEnterAndWait presses Enter on the focused element and waits for the next page to load.
func pressEnterAndWait() chromedp.Action[chromedp.Void] { return andWait(chromedp.KeyEvent(kb.Enter)) }

// typeKeys types text into the focused element.
func typeKeys(text string) chromedp.Action[chromedp.Void] { return chromedp.KeyEvent(text) }

// scripts turns JavaScript on or off in the tab: a reader must be able to use the portal without it.
func scripts(ctx context.Context, on bool) error {
	_, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !on})
	return err
}

func trimTo(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len([]rune(s)) > n {
		return string([]rune(s)[:n]) + "…"
	}
	return s
}
