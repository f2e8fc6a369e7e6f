package app

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"pilu/app/printdoc"
	"pilu/models"
)

// printLayoutVersion names the layout of printed PDFs; it is part of their ETag, so that a release
// that lays them out anew is not answered 304 with an old copy.
const printLayoutVersion = "print-v1"

// printCacheControl lets browsers and shared caches keep a printed record a day: it shows only
// what was published, which never changes.
const printCacheControl = "public, max-age=86400"

// proof is what a printed record says about checking it: its ledger entry, the address of /verify
// for its content hash (in the QR code), the short address printed beside it, and the QR code.
type proof struct {
	Entry     models.LedgerEntry
	VerifyURL string
	ShortURL  string
	QR        template.URL // data:image/png;base64,… on the print page (the PDF draws its own)
}

// proofOf finds the ledger entry of a published record and makes its verification addresses.
func (s *Server) proofOf(ctx context.Context, kind string, id uint64) (proof, error) {
	e, err := s.store.LedgerEntryOf(ctx, kind, id)
	if errors.Is(err, models.ErrNotFound) {
		return proof{}, fiber.ErrNotFound // not published (yet)
	}
	if err != nil {
		return proof{}, err
	}
	return proof{Entry: e, VerifyURL: s.cfg.BaseURL + "/verify?sha256=" + e.ContentHash,
		ShortURL: s.cfg.BaseURL + "/v/" + e.ContentHash[:models.ShortHashLen]}, nil
}

// printProofOf is proofOf with the QR code drawn for a print page.
func (s *Server) printProofOf(ctx context.Context, kind string, id uint64) (proof, error) {
	p, err := s.proofOf(ctx, kind, id)
	if err != nil {
		return p, err
	}
	png, err := printdoc.QRPNG(p.VerifyURL)
	if err != nil {
		return p, err
	}
	p.QR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
	return p, nil
}

// printPage is the data of a print page: the record (one of the two), its issuer and its proof.
type printPage struct {
	Notice     *noticePage
	Disclosure *disclosurePage
	Header     string // the issuing offices of a notice
	Proof      proof
}

// showNoticePrint shows a published notice as an A4 page to print (print CSS), with its QR code.
func (s *Server) showNoticePrint(c *fiber.Ctx) error {
	p, err := s.loadNotice(c)
	if err != nil {
		return err
	}
	pr, err := s.printProofOf(c.UserContext(), models.LedgerNotice, p.ID)
	if err != nil {
		return err
	}
	return s.render(c, "notice_print", pageData{Title: p.Title, Demo: p.Demo, Data: printPage{Notice: &p, Header: officesText(s.lang(c), p.Offices), Proof: pr}})
}

// sendNoticePDF answers a published notice as a PDF download.
func (s *Server) sendNoticePDF(c *fiber.Ctx) error {
	p, err := s.loadNotice(c)
	if err != nil {
		return err
	}
	pr, err := s.proofOf(c.UserContext(), models.LedgerNotice, p.ID)
	if err != nil {
		return err
	}
	name := deref(p.Number)
	if name == "" {
		name = fmt.Sprintf("notice-%d", p.ID)
	}
	return s.sendPDF(c, s.noticeDoc(s.lang(c), p, pr), name+".pdf")
}

// showDisclosurePrint shows a disclosure version as an A4 page to print.
func (s *Server) showDisclosurePrint(c *fiber.Ctx) error {
	p, err := s.loadDisclosure(c)
	if err != nil {
		return err
	}
	pr, err := s.printProofOf(c.UserContext(), models.LedgerDisclosure, p.ID)
	if err != nil {
		return err
	}
	return s.render(c, "disclosure_print", pageData{Title: p.Title, Demo: p.Demo, Data: printPage{Disclosure: &p, Proof: pr}})
}

// sendDisclosurePDF answers a disclosure version as a PDF download: that version as published,
// whether or not an amendment has superseded it since (the verify page says which).
func (s *Server) sendDisclosurePDF(c *fiber.Ctx) error {
	p, err := s.loadDisclosure(c)
	if err != nil {
		return err
	}
	pr, err := s.proofOf(c.UserContext(), models.LedgerDisclosure, p.ID)
	if err != nil {
		return err
	}
	return s.sendPDF(c, s.disclosureDoc(s.lang(c), p, pr), fmt.Sprintf("disclosure-%d-v%d.pdf", p.ID, p.Version))
}

// pdfMemo keeps the last PDFs made, by ETag: making one costs about a tenth of a second of CPU
// (the font's tables are read for each), and a record just published is fetched by many.
type pdfMemo struct {
	mu    sync.Mutex
	order []string
	kept  map[string][]byte
}

const pdfMemoSize = 32

func (m *pdfMemo) get(key string) []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.kept[key]
}

func (m *pdfMemo) put(key string, b []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.kept == nil {
		m.kept = map[string][]byte{}
	}
	if _, ok := m.kept[key]; ok {
		return
	}
	if len(m.order) >= pdfMemoSize {
		delete(m.kept, m.order[0])
		m.order = m.order[1:]
	}
	m.order = append(m.order, key)
	m.kept[key] = b
}

// sendPDF answers doc as a PDF attachment named name. Its ETag is the hash of what the PDF is made
// of, so a client's copy is confirmed (304) without making the PDF again.
func (s *Server) sendPDF(c *fiber.Ctx, doc printdoc.Doc, name string) error {
	spec, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("app: pdf spec: %w", err)
	}
	sum := sha256.Sum256(append([]byte(printLayoutVersion+"\n"), spec...))
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	c.Set(fiber.HeaderCacheControl, printCacheControl)
	c.Set(fiber.HeaderVary, "Accept-Language, Cookie")
	c.Set(fiber.HeaderETag, etag)
	c.Set(fiber.HeaderContentDisposition, contentDisposition(cleanFileName(name)))
	c.Set("Content-Language", map[string]string{"zh": "zh-CN", "en": "en"}[s.lang(c)])
	if etagMatches(c.Get(fiber.HeaderIfNoneMatch), etag) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	b := s.pdfs.get(etag)
	if b == nil {
		if b, err = printdoc.PDF(doc); err != nil {
			return err
		}
		s.pdfs.put(etag, b)
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	return c.Send(b)
}

// etagMatches reports whether an If-None-Match header names etag (or is *).
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// printer fills printed documents in one language.
type printer struct {
	s    *Server
	lang string
}

func (p printer) t(key string, args ...any) string { return p.s.views.t(p.lang, key, args...) }

// base is the part every printed record shares: the language, page labels, footer and proof.
func (p printer) base(title string, published time.Time, pr proof) printdoc.Doc {
	lang := map[string]string{"zh": "zh-CN", "en": "en"}[p.lang]
	return printdoc.Doc{Lang: lang, Title: title, Indent: p.lang == "zh" || containsHan(title),
		PageLabel: p.t("print.page_label"), Footer: pr.ShortURL, Created: published.UTC(),
		Verify: printdoc.Verify{Title: p.t("print.verify_title"), URL: pr.VerifyURL, Short: pr.ShortURL, Lines: []string{
			p.t("print.content_sha256"), pr.Entry.ContentHash,
			p.t("print.ledger_entry", pr.Entry.Seq, formatDateTime(p.lang, pr.Entry.At)),
			p.t("print.entry_hash"), pr.Entry.Hash,
			p.t("print.verify_hint"),
		}}}
}

// demo is the fact that marks a printed demo record as fictional (none for a real one).
func (p printer) demo(demo bool) []printdoc.Fact {
	if !demo {
		return nil
	}
	return []printdoc.Fact{{Label: p.t("print.demo"), Value: p.t("demo.banner")}}
}

// containsHan reports whether s has a Chinese character (the record's own text is Chinese even
// when the labels are English).
func containsHan(s string) bool {
	for _, r := range s {
		if r >= 0x4E00 && r <= 0x9FFF {
			return true
		}
	}
	return false
}

// paragraphs splits a record's text into its paragraphs.
func paragraphs(text string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// attachmentsTable lists a record's files with their SHA-256, which /verify also checks.
func (p printer) attachmentsTable(atts []models.Attachment) []printdoc.Table {
	if len(atts) == 0 {
		return nil
	}
	t := printdoc.Table{Title: p.t("attachments.title"), Columns: []printdoc.Column{
		{Label: "#", Weight: 0.8, Align: "R"}, {Label: p.t("print.file"), Weight: 5}, {Label: "SHA-256", Weight: 9}}}
	for i, a := range atts {
		t.Rows = append(t.Rows, []string{fmt.Sprint(i + 1), a.Name, a.SHA256})
	}
	return []printdoc.Table{t}
}

// noticeDoc is a published notice as printed: what was published, never claims or outcomes
// recorded after it (those are ledger entries of their own).
func (s *Server) noticeDoc(lang string, n noticePage, pr proof) printdoc.Doc {
	p := printer{s, lang}
	d := p.base(n.Title, deref0(n.PublishedAt), pr)
	d.Header, d.Number, d.Subject = officesText(lang, n.Offices), deref(n.Number), p.t("notice_kind."+string(n.Kind))
	d.Facts = p.demo(n.Demo)
	d.Facts = append(d.Facts, printdoc.Fact{Label: p.t("notice.offices"), Value: d.Header})
	if n.Number != nil {
		d.Facts = append(d.Facts, printdoc.Fact{Label: p.t("notice.number"), Value: *n.Number})
	}
	if n.Batch != "" {
		d.Facts = append(d.Facts, printdoc.Fact{Label: p.t("notice.batch"), Value: n.Batch})
	}
	d.Facts = append(d.Facts, printdoc.Fact{Label: p.t("notice.published"), Value: formatDate(lang, deref0(n.PublishedAt))})
	if n.WindowDays > 0 {
		d.Facts = append(d.Facts, printdoc.Fact{Label: p.t("notice.window"), Value: p.t("notice.window_"+n.WindowUnit, n.WindowDays)},
			printdoc.Fact{Label: p.t("notice.deadline"), Value: p.t("notice.deadline_at", dayText(lang, n.LastDay))})
	}
	if n.ClaimWhere != "" {
		d.Facts = append(d.Facts, printdoc.Fact{Label: p.t("notice.claim_where"), Value: n.ClaimWhere})
	}
	if n.Corrects != nil {
		d.Facts = append(d.Facts, printdoc.Fact{Label: p.t("notice.corrects"), Value: strings.TrimSpace(deref(n.Corrects.Number) + " " + n.Corrects.Title)})
	}
	d.Paragraphs = paragraphs(n.Body)
	if len(n.Institutions) > 0 {
		t := printdoc.Table{Title: p.t("notice.institutions", len(n.Institutions)), Columns: []printdoc.Column{
			{Label: "#", Weight: 0.9, Align: "R"}, {Label: p.t("field.name"), Weight: 6}, {Label: p.t("field.brands"), Weight: 2.6},
			{Label: p.t("field.uscc"), Weight: 4.4}, {Label: p.t("field.district"), Weight: 2.2}}}
		for i, li := range n.Institutions {
			t.Rows = append(t.Rows, []string{fmt.Sprint(i + 1), li.Name, li.Brand, li.USCC, li.District})
		}
		d.Tables = append(d.Tables, t)
	}
	d.Tables = append(d.Tables, p.attachmentsTable(n.Attachments)...)
	return d
}

// disclosureDoc is one disclosure version as printed: the version as filed, its figures, tranches
// and files; what was paid against a plan since is on its page, not in the print.
func (s *Server) disclosureDoc(lang string, v disclosurePage, pr proof) printdoc.Doc {
	p := printer{s, lang}
	d := p.base(v.Title, v.PublishedAt, pr)
	d.Header, d.Subject = v.Institution.Name, p.t("disclosure_kind."+v.Kind)
	d.Facts = append(p.demo(v.Demo),
		printdoc.Fact{Label: p.t("disclosure.filer"), Value: v.Institution.Name + " (" + v.USCC + ")"},
		printdoc.Fact{Label: p.t("print.kind"), Value: p.t("disclosure_kind." + v.Kind)},
		printdoc.Fact{Label: p.t("disclosure.published"), Value: formatDateTime(lang, v.PublishedAt)},
		printdoc.Fact{Label: p.t("disclosure.version_label"), Value: p.t("disclosure.version", v.Version)})
	if v.AmendReason != "" {
		d.Facts = append(d.Facts, printdoc.Fact{Label: p.t("amend.reason"), Value: v.AmendReason})
	}
	if v.Period != "" {
		d.Facts = append(d.Facts, printdoc.Fact{Label: p.t("figures.period"), Value: v.Period})
	}
	if v.EventType != "" {
		d.Facts = append(d.Facts, printdoc.Fact{Label: p.t("event.type"), Value: p.t("event_type." + v.EventType)})
	}
	if v.EventAt != nil {
		d.Facts = append(d.Facts, printdoc.Fact{Label: p.t("event.at"), Value: formatDateTime(lang, *v.EventAt)})
	}
	if v.LateDays > 0 {
		d.Facts = append(d.Facts, printdoc.Fact{Label: p.t("disclosure.due"), Value: p.t("disclosure.late", v.LateDays)})
	}
	d.Paragraphs = paragraphs(v.Body)
	if f := v.Figures; f != nil {
		t := printdoc.Table{Title: p.t("institution.figures"), Columns: []printdoc.Column{{Label: p.t("diff.field"), Weight: 3}, {Label: p.t("print.value"), Weight: 2, Align: "R"}}}
		for _, r := range figureRows(f) {
			if r.Money {
				t.Rows = append(t.Rows, []string{p.t("fig."+r.Name) + " (" + p.t("unit.yuan") + ")", yuan(r.Value)})
			} else {
				t.Rows = append(t.Rows, []string{p.t("fig." + r.Name), groupDigits(fmt.Sprint(r.Value))})
			}
		}
		d.Tables = append(d.Tables, t)
	}
	if len(v.Tranches) > 0 {
		t := printdoc.Table{Title: p.t("disclosure.tranches"), Columns: []printdoc.Column{{Label: "#", Weight: 0.8, Align: "R"},
			{Label: p.t("tranche.date"), Weight: 3}, {Label: p.t("tranche.amount"), Weight: 3, Align: "R"}, {Label: p.t("tranche.share"), Weight: 2.4, Align: "R"}}}
		for _, tr := range v.Tranches {
			amount, share := "—", "—"
			if tr.AmountFen != 0 {
				amount = yuan(tr.AmountFen)
			}
			if tr.ShareBP != 0 {
				share = bpText(tr.ShareBP)
			}
			t.Rows = append(t.Rows, []string{fmt.Sprint(tr.Seq), dayText(lang, tr.Date), amount, share})
		}
		d.Tables = append(d.Tables, t)
		if v.BaseFen != nil {
			d.Facts = append(d.Facts, printdoc.Fact{Label: p.t("plan.base"), Value: yuan(*v.BaseFen) + " " + p.t("unit.yuan")})
		}
	}
	d.Tables = append(d.Tables, p.attachmentsTable(v.Attachments)...)
	return d
}

// officesText names the offices that issue a notice, by their offices' names (广东省网贷整治办).
func officesText(lang string, codes []string) string {
	names := make([]string, len(codes))
	for i, code := range codes {
		o := models.Office(code)
		if names[i] = o.Name(); lang == "en" {
			names[i] = o.NameEN()
		}
		if names[i] == "" {
			names[i] = code
		}
	}
	if lang == "en" {
		return strings.Join(names, "; ")
	}
	return strings.Join(names, "、")
}

// figureRow is one figure of a monthly report as printed.
type figureRow struct {
	Name  string
	Money bool // Value is fen
	Value int64
}

// figureRows lists a monthly report's figures in the order of models.FigureNames.
func figureRows(f *models.MonthlyFigures) []figureRow {
	values := f.Values()
	out := make([]figureRow, len(models.FigureNames))
	for i, name := range models.FigureNames {
		out[i] = figureRow{Name: name, Money: models.IsMoneyFigure(name), Value: values[name]}
	}
	return out
}

// deref0 is the time t points to, or the zero time.
func deref0(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// resolveShort opens the verify page of the published record whose content SHA-256 starts with the
// short address's hex digits (/v/{16 hex}, printed on PDFs); when several do, it lists them.
func (s *Server) resolveShort(c *fiber.Ctx) error {
	prefix := strings.ToLower(c.Params("short"))
	if len(prefix) < models.ShortHashLen || len(prefix) > 64 || !sha256Hex.MatchString(prefix+strings.Repeat("0", 64-len(prefix))) {
		return fiber.ErrNotFound
	}
	sums, err := s.store.ContentHashesWithPrefix(c.UserContext(), prefix)
	if err != nil {
		return err
	}
	switch len(sums) {
	case 0:
		return fiber.ErrNotFound
	case 1:
		to := "/verify?sha256=" + sums[0]
		if l := c.Query("lang"); l == "en" || l == "zh" {
			to += "&lang=" + l
		}
		return c.Redirect(to, fiber.StatusFound)
	}
	return s.render(c, "verify", pageData{Title: "verify.title", Data: verifyPage{MaxMiB: MaxVerifyUpload >> 20, Input: prefix, Candidates: sums}})
}
