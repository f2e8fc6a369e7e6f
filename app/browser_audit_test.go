package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"pilu/models"
)

// axeTags are the rule sets the audit runs: WCAG 2.0 and 2.1, levels A and AA.
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

// maxPageWeight is the most a public page may transfer before images and charts: HTML, CSS and JS.
const maxPageWeight = 100 << 10

// phoneWidth is the narrowest phone a public page must fit without scrolling sideways.
const phoneWidth = 360

// minTapTarget is the smallest height and width of a tap target in the navigation and in forms.
const minTapTarget = 44

// auditPage is one page of the audit.
type auditPage struct {
	path   string
	public bool // also checked at phone width, for tap targets and for page weight
	dataH1 bool // the main heading is a record's name (Chinese in English pages too)
}

// axeViolation is one failed rule of axe-core with the elements that fail it.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target         []any  `json:"target"`
		FailureSummary string `json:"failureSummary"`
	} `json:"nodes"`
}

// auditPages runs axe-core on every public page and every form in both languages, checks that
// public pages fit a 360 px phone with tap targets of 44 px, that English pages have no Chinese in
// their labels, headings and buttons, and that public pages stay under 100 KB.
func auditPages(t *testing.T, bs *browserServer, ctx context.Context) {
	axe, err := os.ReadFile("testdata/axe/axe.min.js")
	if err != nil {
		t.Fatal(err)
	}
	pages := publicAuditPages(t, bs)
	for _, p := range pages {
		if p.public {
			t.Run("weight"+p.path, func(t *testing.T) { checkPageWeight(t, bs, p.path) })
		}
	}
	tab := ctx

	in := bs.seedInstitution("440300", "MA5BRW002", "深圳市无障碍测试信息咨询有限公司", "440300", "无障贷")
	filer := bs.addUser(models.NewUser{Role: models.RoleInstitution, Email: "filer@audit.example", InstitutionUSCC: in.USCC})
	office := bs.addUser(models.NewUser{Role: models.RoleOffice, Email: "office@audit.example", Province: "440000"})
	admin := bs.addUser(models.NewUser{Role: models.RoleAdmin, Email: "admin@audit.example"})
	logins := []struct {
		email, password string
		pages           []auditPage
	}{
		{"", "", pages},
		{"filer@audit.example", filer, []auditPage{{path: "/filer"}, {path: "/filer/figures"}, {path: "/filer/disclosures/new"}}},
		{"office@audit.example", office, []auditPage{{path: "/office"}, {path: "/office/import"}, {path: "/office/institutions/new"},
			{path: "/office/institutions/" + firstMatch(t, bs, "/institutions?province=440000", `/institutions/([0-9A-Z]{18})"`), dataH1: true},
			{path: "/office/notices"}, {path: "/office/notices/new"}, {path: "/office/audit"}, {path: "/account"}}},
		{"admin@audit.example", admin, []auditPage{{path: "/admin"}, {path: "/admin/users/1"}, {path: "/admin/audit"}, {path: "/account"}}},
	}
	for _, l := range logins {
		f := newFlow(t, bs, tab, "audit")
		if l.email != "" {
			login(f, l.email, l.password)
		}
		for _, lang := range []string{"zh", "en"} {
			for _, p := range l.pages {
				t.Run(lang+p.path, func(t *testing.T) {
					f.t = t
					auditOne(f, axe, p, lang)
				})
			}
		}
		f.t = t
		if _, err := chromedp.Call(tab, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
			t.Fatal(err)
		}
	}
}

// publicAuditPages lists the public pages, finding the records they show in the demo data set.
func publicAuditPages(t *testing.T, bs *browserServer) []auditPage {
	uscc := firstMatch(t, bs, "/institutions", `href="/institutions/([0-9A-Z]{18})"`)
	notice := firstMatch(t, bs, "/zombies", `href="/notices/(\d+)"`)
	claim := firstMatch(t, bs, "/notices/"+notice, `href="(/notices/\d+/claims/new\?institution=[0-9A-Z]{18})"`)
	disclosure := firstMatch(t, bs, "/exits", `href="/disclosures/(\d+)"`)
	listed := firstMatch(t, bs, claim, `name="institution" value="([0-9A-Z]{18})"`) // its open-notice banner
	return []auditPage{
		{path: "/", public: true},
		{path: "/institutions", public: true},
		{path: "/institutions/" + uscc, public: true, dataH1: true},
		{path: "/institutions/" + listed, public: true, dataH1: true},
		{path: "/notices", public: true},
		{path: "/notices/" + notice, public: true, dataH1: true},
		{path: claim, public: true},
		{path: "/zombies", public: true},
		{path: "/exits", public: true},
		{path: "/disclosures/" + disclosure, public: true, dataH1: true},
		{path: "/notices/" + notice + "/print", public: true, dataH1: true},
		{path: "/disclosures/" + disclosure + "/print", public: true, dataH1: true},
		{path: "/stats", public: true},
		{path: "/search?q=%E7%A9%97%E8%81%94%E8%B4%B7", public: true},
		{path: "/search?q=" + listed, public: true}, // a credit code: the institution first, its open list's banner
		{path: "/deadlines", public: true},
		{path: "/deadlines?from=2019-06-14&days=15&unit=working", public: true},
		{path: "/ledger", public: true},
		{path: "/api", public: true},
		{path: "/login", public: true},
		{path: "/claims/status", public: true},
	}
}

// firstMatch fetches path and returns the first group of pattern in it.
func firstMatch(t *testing.T, bs *browserServer, path, pattern string) string {
	t.Helper()
	body := fetch(t, bs.base+path)
	m := regexp.MustCompile(pattern).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("%s: nothing matches %s", path, pattern)
	}
	return strings.ReplaceAll(m[1], "&amp;", "&")
}

func fetch(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v", url, res.StatusCode, err)
	}
	return string(b)
}

// auditOne checks one page in one language.
func auditOne(f *flow, axe []byte, p auditPage, lang string) {
	sep := "?"
	if strings.Contains(p.path, "?") {
		sep = "&"
	}
	f.step(lang+"-"+shotName(p.path), f.open(p.path+sep+"lang="+lang), chromedp.WaitReady(chromedp.CSS("main")))
	tags, _ := json.Marshal(axeTags)
	run := fmt.Sprintf(`axe.run(document, {runOnly: {type: "tag", values: %s}, resultTypes: ["violations"]}).then(r => JSON.stringify(r.violations))`, tags)
	var violations []axeViolation
	_, err := chromedp.Run(f.ctx, chromedp.Evaluate[chromedp.Void](string(axe)))
	if err == nil {
		var js string
		js, err = chromedp.Run(f.ctx, chromedp.Evaluate[string](run, func(p *runtime.EvaluateParams) { p.AwaitPromise = &[]bool{true}[0] }))
		if err == nil {
			err = json.Unmarshal([]byte(js), &violations)
		}
	}
	if err != nil {
		f.t.Fatalf("axe-core: %v", err)
	}
	for _, v := range violations {
		var where []string
		for _, n := range v.Nodes {
			where = append(where, fmt.Sprintf("%v: %s", n.Target, trimTo(n.FailureSummary, 200)))
		}
		f.t.Errorf("%s (%s): %s [%s]\n    %s", p.path, lang, v.Help, v.ID, strings.Join(where, "\n    "))
	}
	if lang == "en" {
		checkNoChinese(f, p)
	}
	if p.public {
		checkPhone(f, p.path)
	}
}

// checkNoChinese fails when a label, heading, button or navigation link of an English page has
// Chinese in it; data (names, notice texts, anything marked lang="zh-CN") may.
func checkNoChinese(f *flow, p auditPage) {
	sel := "nav a, .tools a:not([lang]), button, label, legend, summary, th[scope=col], dt, caption, h1, main h2, main h3, footer"
	if p.dataH1 {
		sel = strings.Replace(sel, "h1, main h2, main h3, ", "", 1)
	}
	if strings.HasPrefix(p.path, "/office") {
		sel = strings.Replace(sel, "label, ", "", 1) // institutions' names are the labels of the pick boxes
	}
	js := fmt.Sprintf(`Array.from(document.querySelectorAll(%q)).filter(e => !e.closest('[lang^="zh"], .hash, .data') && !(/^H/.test(e.tagName) && e.querySelector('a'))).map(e => e.innerText)`, sel)
	texts, err := evaluate[[]string](f.ctx, js)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, s := range texts {
		if hasCJK(s) {
			f.t.Errorf("%s in English shows Chinese in a label, heading or button: %q", p.path, trimTo(s, 120))
		}
	}
}

// checkPhone fails when the page scrolls sideways at 360 px or a tap target is under 44 px.
func checkPhone(f *flow, path string) {
	if err := chromedp.Do(f.ctx, chromedp.EmulateViewport(phoneWidth, 740)); err != nil {
		f.t.Fatal(err)
	}
	defer chromedp.Do(f.ctx, chromedp.EmulateViewport(1280, 800))
	width, err := evaluate[int](f.ctx, `document.documentElement.scrollWidth`)
	if err != nil {
		f.t.Fatal(err)
	}
	small, err := evaluate[[]string](f.ctx, fmt.Sprintf(`Array.from(document.querySelectorAll("header a, header button, .searchbar input, .searchbar button, main form button, main form input:not([type=hidden]):not([type=checkbox]):not([type=radio]), main form select, main a.button, .pager a"))
			.filter(e => e.offsetParent !== null)
			.filter(e => { const r = e.getBoundingClientRect(); return r.height < %d || r.width < %d })
			.map(e => e.outerHTML.slice(0, 80) + " " + Math.round(e.getBoundingClientRect().width) + "×" + Math.round(e.getBoundingClientRect().height))`, minTapTarget, minTapTarget))
	if err != nil {
		f.t.Fatal(err)
	}
	// A card's title (an institution's name in /institutions) takes the card's whole width, not a
	// column squeezed beside its label.
	narrow, err := evaluate[[]string](f.ctx, `Array.from(document.querySelectorAll("table.stack td.lead")).filter(e => e.getBoundingClientRect().width < innerWidth - 48).map(e => e.innerText.slice(0, 40) + " " + Math.round(e.getBoundingClientRect().width))`)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, s := range narrow {
		f.t.Errorf("%s: a card's title is squeezed on a phone: %s", path, s)
	}
	if width > phoneWidth {
		f.shoot("wide-" + shotName(path))
		f.t.Errorf("%s is %d px wide on a %d px phone", path, width, phoneWidth)
	}
	for _, s := range small {
		f.t.Errorf("%s: tap target under %d px on a phone: %s", path, minTapTarget, s)
	}
}

// checkPageWeight sums what a public page transfers before images: its HTML (charts are inline SVG)
// and the CSS and JS it links; no web fonts either.
func checkPageWeight(t *testing.T, bs *browserServer, path string) {
	html := fetch(t, bs.base+path)
	total := len(html)
	assets := regexp.MustCompile(`(?:<link rel="stylesheet" href|<script src)="([^"]+)"`).FindAllStringSubmatch(html, -1)
	for _, a := range assets {
		body := fetch(t, bs.base+a[1])
		if strings.Contains(body, "@font-face") {
			t.Errorf("%s loads a web font from %s", path, a[1])
		}
		total += len(body)
	}
	if total > maxPageWeight {
		t.Errorf("%s weighs %d bytes of HTML, CSS and JS, more than %d", path, total, maxPageWeight)
	}
}

// hasCJK tells whether s has a Chinese character.
func hasCJK(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// shotName makes a file name of a path.
func shotName(path string) string {
	s := strings.Trim(regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(strings.ToLower(strings.SplitN(path, "?", 2)[0]), "-"), "-")
	if s == "" {
		return "home"
	}
	return s
}
