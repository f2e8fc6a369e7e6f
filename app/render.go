package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"pilu/models"
	"pilu/static"
	"pilu/templates"
)

// Languages are the UI languages; the first is the default.
var Languages = []string{"zh", "en"}

// views holds the page templates, parsed once per language at start-up, and the message catalogs.
type views struct {
	pages    map[string]map[string]*template.Template // lang → page name → template
	catalogs map[string]map[string]string
	assets   *staticAssets // the static files, linked by content-hashed addresses
}

// pageData is what every page template receives; Data is the page's own.
type pageData struct {
	Title   string // a catalog key, or the text itself
	Lang    string
	User    *models.User
	CSRF    string
	Path    string
	LangURL string // this page in the other language
	Q       string // the search box
	Demo    bool   // the page shows demo records
	Now     time.Time
	Ledger  ledgerRoot  // the ledger's root of the day, for the footer
	Feeds   []feedLink  // the feeds and calendars the page offers (head links and visible links)
	Follow  *followForm // the 关注 form (follow by e-mail) the page offers; nil: none
	Data    any
}

func newViews() (*views, error) {
	v := &views{pages: map[string]map[string]*template.Template{}, catalogs: map[string]map[string]string{}}
	assets, err := loadStaticAssets(static.FS())
	if err != nil {
		return nil, err
	}
	v.assets = assets
	for _, lang := range Languages {
		cat, err := loadCatalog(lang)
		if err != nil {
			return nil, err
		}
		v.catalogs[lang] = cat
	}
	shared := []string{"layouts/base.html"}
	partials, _ := fs.Glob(templates.FS, "partials/*.html")
	shared = append(shared, partials...)
	pages, err := fs.Glob(templates.FS, "pages/*.html")
	if err != nil || len(pages) == 0 {
		return nil, fmt.Errorf("templates: no pages found")
	}
	for _, lang := range Languages {
		base, err := template.New("base").Funcs(v.funcs(lang)).ParseFS(templates.FS, shared...)
		if err != nil {
			return nil, fmt.Errorf("templates: %w", err)
		}
		v.pages[lang] = map[string]*template.Template{}
		for _, p := range pages {
			t, err := template.Must(base.Clone()).ParseFS(templates.FS, p)
			if err != nil {
				return nil, fmt.Errorf("templates: %s: %w", p, err)
			}
			v.pages[lang][strings.TrimSuffix(path.Base(p), ".html")] = t
		}
	}
	return v, nil
}

// loadCatalog merges the message files of one language (i18n/<lang>/*.json, one per feature); a key
// defined twice is an error.
func loadCatalog(lang string) (map[string]string, error) {
	files, err := fs.Glob(templates.FS, "i18n/"+lang+"/*.json")
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("templates: no message catalog for %s", lang)
	}
	cat := map[string]string{}
	for _, f := range files {
		b, err := fs.ReadFile(templates.FS, f)
		if err != nil {
			return nil, fmt.Errorf("templates: %s: %w", f, err)
		}
		part := map[string]string{}
		if err := json.Unmarshal(b, &part); err != nil {
			return nil, fmt.Errorf("templates: %s: %w", f, err)
		}
		for k, v := range part {
			if _, dup := cat[k]; dup {
				return nil, fmt.Errorf("templates: %s: key %q is defined twice", f, k)
			}
			cat[k] = v
		}
	}
	return cat, nil
}

// t translates key into lang, formatting args into it when given; a missing key shows itself.
func (v *views) t(lang, key string, args ...any) string {
	msg, ok := v.catalogs[lang][key]
	if !ok {
		if msg, ok = v.catalogs[Languages[0]][key]; !ok {
			return key
		}
	}
	if len(args) > 0 {
		return fmt.Sprintf(msg, args...)
	}
	return msg
}

func (v *views) funcs(lang string) template.FuncMap {
	return template.FuncMap{
		"t":        func(key string, args ...any) string { return v.t(lang, key, args...) },
		"yuan":     yuan,
		"num":      func(n int64) string { return groupDigits(strconv.FormatInt(n, 10)) },
		"date":     func(t time.Time) string { return formatDate(lang, t) },
		"datetime": func(t time.Time) string { return formatDateTime(lang, t) },
		"day":      func(s string) string { return dayText(lang, s) },
		"province": func(code string) string { return provinceName(lang, code) },
		"static":   v.assets.url,
		"office": func(o models.Office) string {
			if lang == "en" {
				return o.NameEN()
			}
			return o.Name()
		},
		"pct": func(num, den int64) string {
			if den == 0 {
				return "—"
			}
			return strconv.FormatFloat(float64(num)*100/float64(den), 'f', 1, 64) + "%"
		},
		"add":            func(a, b int) int { return a + b },
		"deref":          func(p *string) string { return deref(p) },
		"join":           strings.Join,
		"contains":       strings.Contains,
		"provinces":      models.Divisions,
		"classes":        func() []string { return models.Classes },
		"dispositions":   func() []string { return models.Dispositions },
		"noticeKinds":    func() []string { return models.Strings(models.NoticeKinds) },
		"noticeStatuses": func() []string { return models.Strings(models.PublicNoticeStatuses) },
		"list":           func(v ...string) []string { return v },
		"int64":          func(n int) int64 { return int64(n) },
		"snippet":        func(s string) template.HTML { return template.HTML(s) },
		"paragraphs":     paragraphs,
		"figureRows":     figureRows,
		"isTrue":         func(b *bool) bool { return b != nil && *b },
		"chart":          func(f []figuresJSON) template.HTML { return v.figuresChart(lang, f) },
		"fieldLabel":     func(key string) string { return v.fieldLabel(lang, key) },
		// label shows a value by its label in the first of the vocabularies (separated by "|") that
		// has one, as messages do (labelOf).
		"label": func(vocabularies, value string) string {
			return labelOf(v.catalogs[lang], lang, vocabularies, value)
		},
		"bp": bpText,
		"newestFirst": func(f []figuresJSON) []figuresJSON {
			out := slices.Clone(f)
			slices.Reverse(out)
			return out
		},
		"deref64": func(p *int64) int64 {
			if p == nil {
				return 0
			}
			return *p
		},
	}
}

// fieldLabel names an input field of an error (title, figures.lenders, institutions[2]) as forms
// label it; a field without a label keeps its key.
func (v *views) fieldLabel(lang, key string) string {
	name, index, _ := strings.Cut(strings.TrimSuffix(key, "]"), "[")
	for _, k := range []string{"field." + name, "fig." + strings.TrimPrefix(name, "figures.")} {
		if label := v.t(lang, k); label != k {
			if n, err := strconv.Atoi(index); err == nil {
				return label + " " + strconv.Itoa(n+1)
			}
			return label
		}
	}
	return key
}

// render executes page with data for the request's language and sends it as HTML.
func (s *Server) render(c *fiber.Ctx, page string, d pageData) error {
	d.Lang = s.lang(c)
	if u, ok := c.Locals("user").(*models.User); ok {
		d.User = u
	}
	d.CSRF = s.csrfToken(c)
	d.Path = c.Path()
	d.Now = s.now()
	d.Ledger, _ = c.Locals(ledgerRootKey).(ledgerRoot)
	if d.Q == "" {
		d.Q = c.Query("q")
	}
	other := "en"
	if d.Lang == "en" {
		other = "zh"
	}
	args := c.Request().URI().QueryArgs()
	q := []string{}
	args.VisitAll(func(k, val []byte) {
		if string(k) != "lang" {
			q = append(q, string(k)+"="+url.QueryEscape(string(val)))
		}
	})
	q = append(q, "lang="+other)
	d.LangURL = c.Path() + "?" + strings.Join(q, "&")
	t, ok := s.views.pages[d.Lang][page]
	if !ok {
		return fmt.Errorf("app: no page template %q", page)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "base", d); err != nil {
		return fmt.Errorf("app: render %s: %w", page, err)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set("Content-Language", map[string]string{"zh": "zh-CN", "en": "en"}[d.Lang])
	return c.Send(buf.Bytes())
}

// lang chooses the UI language: ?lang= (remembered in a cookie), the cookie, then Accept-Language.
func (s *Server) lang(c *fiber.Ctx) string {
	if l := c.Query("lang"); models.OneOf(l, Languages) {
		if c.Cookies("lang") != l {
			c.Cookie(&fiber.Cookie{Name: "lang", Value: l, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: "Lax"})
		}
		return l
	}
	if l := c.Cookies("lang"); models.OneOf(l, Languages) {
		return l
	}
	if strings.HasPrefix(c.AcceptsLanguages("zh", "en"), "en") {
		return "en"
	}
	return "zh"
}

// yuan formats an amount of fen as yuan with thousands separators: 123456 → "1,234.56".
func yuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return sign + groupDigits(strconv.FormatInt(fen/100, 10)) + fmt.Sprintf(".%02d", fen%100)
}

func groupDigits(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// formatDate shows a time's date in China time: 2019年6月14日, or 14 Jun 2019 in English.
func formatDate(lang string, t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	t = t.In(models.ChinaZone)
	if lang == "en" {
		return t.Format("2 Jan 2006")
	}
	return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
}

// dayText shows a day given as YYYY-MM-DD (a deadline's last day) like formatDate; text that is no
// such day is shown as it is.
func dayText(lang, s string) string {
	d, err := models.ParseDate(s)
	if err != nil {
		return s
	}
	return formatDate(lang, d.End().Add(-time.Hour))
}

func formatDateTime(lang string, t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return formatDate(lang, t) + " " + t.In(models.ChinaZone).Format("15:04")
}

func provinceName(lang, code string) string {
	d, ok := models.LookupDivision(code)
	if !ok {
		return code
	}
	if lang == "en" {
		return d.NameEN
	}
	return d.Name
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
