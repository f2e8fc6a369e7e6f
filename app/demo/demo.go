package demo

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"time"

	"pilu/models"
)

// demoSeed seeds the generator of the demo figures, so that the data set is the same every time.
const demoSeed = 175

// demoPDFNote opens every demo PDF.
const demoPDFNote = "【演示数据】本文件由 Pilu 演示数据集生成，所涉机构、人员、数据均为虚构，仅用于功能演示。"

// demoFiled is one monthly report as filed: the period, when, and the figures.
type demoFiled struct {
	Period string
	At     time.Time
	Fig    models.MonthlyFigures
}

// demoLogin is a demo account with its secrets, printed once.
type demoLogin struct {
	Role, Scope, Email, Password, Token string
}

// Options are what Load needs besides the store.
type Options struct {
	Log *slog.Logger     // where the summary goes; slog.Default() when nil
	Out io.Writer        // where the demo logins are printed once; os.Stdout when nil
	Now func() time.Time // the clock; time.Now when nil
	// AttachPDF stores a PDF of title and paragraphs, named name, the way an uploaded file is
	// stored (blob, checksum, text for search), and returns its attachment record.
	AttachPDF func(ctx context.Context, name, title string, paras []string) (models.Attachment, error)
	// Discard deletes the stored files of attachments whose filing failed.
	Discard func(atts []models.Attachment)
}

// demoLoader loads the demo data set; it remembers what it made so that later records can name it.
type demoLoader struct {
	st      *models.Store
	opt     Options
	cal     *models.Calendar
	spec    map[string]demoInstitution
	inst    map[string]*models.Institution
	filed   map[string][]demoFiled
	notices map[string]models.Notice
	docs    int
}

// Load loads the demo data set (data.go) into an empty database through the same store methods
// that users' requests go through, and prints the demo logins once to opt.Out. It does nothing when
// any institution or user exists. Records are dated in 2018–2020, the years of the clean-up, except
// one zombie list published two days before start-up so that its claim window is open.
func Load(ctx context.Context, st *models.Store, opt Options) error {
	if opt.Out == nil {
		opt.Out = os.Stdout
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	empty, err := st.IsEmpty(ctx)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if !empty {
		return nil
	}
	started := time.Now()
	l := &demoLoader{st: st, opt: opt, cal: models.DefaultCalendar(), spec: map[string]demoInstitution{},
		inst: map[string]*models.Institution{}, filed: map[string][]demoFiled{}, notices: map[string]models.Notice{}}
	for i, sp := range demoInstitutions {
		if err := l.institution(ctx, i, sp); err != nil {
			return fmt.Errorf("demo: institution %s (%s): %w", sp.Key, sp.Name, err)
		}
	}
	for _, dn := range demoNotices {
		if err := l.notice(ctx, dn); err != nil {
			return fmt.Errorf("demo: notice %s: %w", dn.Key, err)
		}
	}
	logins, err := l.users(ctx)
	if err != nil {
		return fmt.Errorf("demo: users: %w", err)
	}
	demoPrintLogins(opt.Out, logins, len(l.inst), len(l.notices))
	opt.Log.Info("demo data set loaded", "institutions", len(l.inst), "disclosures", l.docs,
		"notices", len(l.notices), "took", time.Since(started).Round(time.Millisecond))
	return nil
}

// institution creates one institution, files its monthly figures, applies its class decisions and
// disposition moves, and files its exit documents and major events.
func (l *demoLoader) institution(ctx context.Context, i int, sp demoInstitution) error {
	r := rand.New(rand.NewPCG(demoSeed, uint64(i)))
	uscc, err := models.MakeUSCC(sp.Division, demoOrgCode(sp.Name))
	if err != nil {
		return err
	}
	actor := demoActors[sp.Province]
	in, err := l.st.CreateInstitution(ctx, models.NewInstitution{
		USCC: uscc, Name: sp.Name, Province: sp.Province, District: sp.District,
		DepositoryBank: sp.Bank, RegisteredAddress: sp.Address,
		Brands: sp.Brands, FormerNames: sp.Former, Websites: []string{"www." + sp.Site + ".example.cn"}, Apps: sp.Apps,
		Demo: true,
	}, actor, demoAt(sp.Created, 9, 30))
	if err != nil {
		return err
	}
	l.spec[sp.Key], l.inst[sp.Key] = sp, &in
	filer := demoFiler(sp)

	for m, fig := range demoFigures(r, sp) {
		period := demoPeriod(m)
		at, err := l.filedAt(r, period, sp.Late[m])
		if err != nil {
			return err
		}
		f := fig
		if _, err := l.st.FileDisclosure(ctx, in, models.NewDisclosure{
			Kind: "monthly_data", Period: period, Title: fmt.Sprintf("%s%s运营数据", sp.Brands[0], demoZhMonth(period)),
			Body: demoMonthlyBody(sp, period, fig), Figures: &f, Demo: true,
		}, filer, at); err != nil {
			return fmt.Errorf("file %s: %w", period, err)
		}
		l.filed[sp.Key] = append(l.filed[sp.Key], demoFiled{Period: period, At: at, Fig: fig})
		l.docs++
	}

	end, endAt := demoEndOfData(sp)
	for _, st := range sp.Steps {
		at := demoAt(st.On, 15, 0)
		if end && at.After(endAt) {
			if err := l.endReports(ctx, &in, actor, endAt); err != nil {
				return err
			}
			end = false
		}
		if st.Class != "" {
			criteria, err := l.criteria(sp.Key, st.Criteria, at)
			if err != nil {
				return fmt.Errorf("%s → %s on %s: %w", in.Class, st.Class, st.On, err)
			}
			if _, err := l.st.Classify(ctx, in, st.Class, st.Reason, criteria, actor, at); err != nil {
				return err
			}
			in.Class, in.ClassSince = st.Class, at
		}
		if st.Disposition != "" {
			if err := l.dispose(ctx, &in, st.Disposition, st.DispReason, actor, at); err != nil {
				return err
			}
		}
	}
	if end {
		if err := l.endReports(ctx, &in, actor, endAt); err != nil {
			return err
		}
	}
	if sp.Exit != nil {
		if err := l.exit(ctx, r, sp, &in); err != nil {
			return err
		}
	}
	if ev := sp.Event; ev != nil {
		eventAt, err1 := time.ParseInLocation("2006-01-02 15:04", ev.At, models.ChinaZone)
		filedAt, err2 := time.ParseInLocation("2006-01-02 15:04", ev.FiledAt, models.ChinaZone)
		if err := errors.Join(err1, err2); err != nil {
			return err
		}
		paras := slices.Concat(ev.Paragraphs, []string{"\t" + sp.Name, "\t" + demoZhDate(filedAt)})
		if err := l.fileDocument(ctx, &in, filer, filedAt, models.NewDisclosure{Kind: "major_event", Title: ev.Title,
			EventType: ev.Type, EventAt: &eventAt}, paras, sp.Brands[0]+"重大事项公告.pdf"); err != nil {
			return err
		}
	}
	return nil
}

// demoEndOfData says whether and when an institution's story ends with its reports: the demo's
// figures stop after sp.Months months, and an institution that still owes reports then
// (models.ReportingDuty) would be flagged 未正常报数 for every month since, up to today. So, as the
// industry did by the end of 2020, it stops its online-lending business on the 20th of the month
// after its last report (after that report fell due), unless a zombie notice lists it before then
// (the listing ends its reports).
// One that never reported (Months 0) keeps owing: its flags are the demo's example of a silence.
func demoEndOfData(sp demoInstitution) (bool, time.Time) {
	if sp.Months == 0 {
		return false, time.Time{}
	}
	y, m, _ := models.ParsePeriod(demoPeriod(sp.Months))
	at := time.Date(y, m, 20, 15, 0, 0, 0, models.ChinaZone)
	for _, dn := range demoNotices {
		if dn.Listed && dn.Published != "" && slices.Contains(dn.Members, sp.Key) && demoAt(dn.Published, 10, 0).Before(at) {
			return false, at
		}
	}
	return true, at
}

// endReports moves an institution that still owes monthly reports out of business at the end of
// the demo's figures (demoEndOfData); one that owes none already is left as it is.
func (l *demoLoader) endReports(ctx context.Context, in *models.Institution, actor string, at time.Time) error {
	if !models.OwesReports(in.Class, in.Disposition) {
		return nil
	}
	return l.dispose(ctx, in, "no_business", demoNoBusinessReason, actor, at)
}

// demoNoBusinessReason is why the demo's institutions leave online lending when their figures end.
const demoNoBusinessReason = "平台已停止网络借贷信息中介业务，存量债权转入线下清收兑付，自本月起不再报送月度运营数据。"

// dispose moves an institution's disposition, as the office's form does.
func (l *demoLoader) dispose(ctx context.Context, in *models.Institution, to, reason, actor string, at time.Time) error {
	if err := l.st.Dispose(ctx, *in, to, reason, actor, at); err != nil {
		return fmt.Errorf("disposition %s → %s: %w", in.Disposition, to, err)
	}
	in.Disposition = to
	return nil
}

// exit files the exit announcement, the repayment plan and the progress reports of an institution.
func (l *demoLoader) exit(ctx context.Context, r *rand.Rand, sp demoInstitution, in *models.Institution) error {
	ex := sp.Exit
	brand := sp.Brands[0]
	filer := demoFiler(sp)
	annAt := demoAt(ex.Announced, 10, 0)
	asof, ok := l.lastFiled(sp.Key, annAt)
	if !ok {
		return fmt.Errorf("exit announced on %s before any monthly figures", ex.Announced)
	}
	title, paras := demoExitAnnouncement(sp, asof, annAt)
	if err := l.fileDocument(ctx, in, filer, annAt, models.NewDisclosure{Kind: "exit_announcement", Title: title},
		paras, brand+"良性退出公告.pdf"); err != nil {
		return err
	}

	planAt := demoAt(ex.PlanOn, 10, 0)
	total := asof.Fig.OutstandingAmount
	plan := make([]models.Tranche, len(ex.Tranches))
	planned := make([]int64, len(ex.Tranches))
	sum := 0
	for i, t := range ex.Tranches {
		sum += t.ShareBP
		planned[i] = total * int64(t.ShareBP) / 10000
		plan[i] = models.Tranche{Date: t.Date, ShareBP: t.ShareBP}
		if ex.ByAmount {
			plan[i] = models.Tranche{Date: t.Date, AmountFen: planned[i]}
		}
	}
	if sum != 10000 {
		return fmt.Errorf("the repayment plan's shares add up to %d basis points, not 10000", sum)
	}
	title, paras = demoRepaymentPlan(sp, asof, planAt, ex, planned)
	var base *int64 // a plan in shares states the principal they apply to
	if !ex.ByAmount {
		base = &total
	}
	if err := l.fileDocument(ctx, in, filer, planAt, models.NewDisclosure{Kind: "repayment_plan", Title: title, Tranches: plan, BaseFen: base},
		paras, brand+"兑付方案.pdf"); err != nil {
		return err
	}

	var paid []models.Tranche
	var paidTotal int64
	for i, on := range ex.ProgressOn {
		due, err := models.ParseDate(ex.Tranches[i].Date)
		if err != nil {
			return err
		}
		amount := planned[i] * int64(9000+r.IntN(1001)) / 10000 // 90–100% of the plan
		paidTotal += amount
		paid = append(paid, models.Tranche{Date: due.AddDays(-r.IntN(6)).String(), AmountFen: amount})
		at := demoAt(on, 10, 0)
		title, paras := demoProgress(sp, asof, at, i, paid, planned, paidTotal, total)
		if err := l.fileDocument(ctx, in, filer, at, models.NewDisclosure{Kind: "repayment_progress", Title: title,
			Tranches: append([]models.Tranche(nil), paid...)}, paras, fmt.Sprintf("%s第%d期兑付进展公告.pdf", brand, i+1)); err != nil {
			return err
		}
	}
	return nil
}

// fileDocument files a disclosure whose body is paragraphs, with the same text as a PDF attachment
// streamed into the blob store; the blob is deleted when the filing fails.
func (l *demoLoader) fileDocument(ctx context.Context, in *models.Institution, filer string, at time.Time, nd models.NewDisclosure, paras []string, file string) error {
	att, err := l.opt.AttachPDF(ctx, file, nd.Title, append([]string{demoPDFNote}, paras...))
	if err != nil {
		return err
	}
	atts := []models.Attachment{att}
	body := make([]string, len(paras))
	for i, p := range paras {
		body[i] = strings.TrimLeft(p, "\t")
	}
	nd.Body = strings.Join(body, "\n\n")
	nd.Attachments = atts
	nd.Demo = true
	if _, err := l.st.FileDisclosure(ctx, *in, nd, filer, at); err != nil {
		l.opt.Discard(atts)
		return fmt.Errorf("file %s: %w", nd.Kind, err)
	}
	l.docs++
	return nil
}

// notice drafts and publishes one notice, and moves the listed institutions' dispositions.
func (l *demoLoader) notice(ctx context.Context, dn demoNotice) error {
	open := dn.Published == ""
	var pub time.Time
	if open {
		pub = l.opt.Now().Add(-48 * time.Hour)
	} else {
		pub = demoAt(dn.Published, 10, 0)
	}
	days, unit := dn.WindowDays, models.Unit(dn.WindowUnit)
	var last models.Date
	if days > 0 {
		// PublishNotice reports a missing calendar as a field error; asking the calendar first
		// keeps the fallback from leaving a draft behind.
		dl, err := l.cal.Deadline(models.DateOf(pub), days, unit)
		if open && errors.Is(err, models.ErrCalendarMissing) {
			days, unit = 7, models.UnitCalendar
			dl, err = l.cal.Deadline(models.DateOf(pub), days, unit)
		}
		if open && errors.Is(err, models.ErrCalendarMissing) {
			l.opt.Log.Warn("demo: the open zombie list is left out: its claim window reaches a year the official calendar does not cover yet", "err", err)
			return nil
		}
		if err != nil {
			return err
		}
		last = dl.LastDay
	}
	members := make([]*models.Institution, len(dn.Members))
	usccs := make([]string, len(dn.Members))
	for i, k := range dn.Members {
		in, ok := l.inst[k]
		if !ok {
			return fmt.Errorf("unknown institution %s", k)
		}
		members[i], usccs[i] = in, in.USCC
	}
	var corrects *uint64
	var corrected models.Notice
	if dn.Corrects != "" {
		c, ok := l.notices[dn.Corrects]
		if !ok {
			return fmt.Errorf("corrects %s, which is not published", dn.Corrects)
		}
		corrected, corrects = c, &c.ID
	}
	claimWhere := ""
	if dn.Kind == "zombie_list" {
		claimWhere = demoOfficeAddress[dn.Province] + "（演示地址），工作日上午9:00至12:00、下午14:00至17:30；也可在本网站本公告页面在线登记。"
	}
	body := l.noticeBody(dn, members, pub, days, unit, last, corrected)
	actor := demoActors[dn.Province]
	created := pub.Add(-time.Hour)
	if !open {
		created = pub.Add(-26 * time.Hour)
	}
	n, err := l.st.CreateNotice(ctx, models.NewNotice{Kind: models.NoticeKind(dn.Kind), Province: dn.Province, Batch: dn.Batch,
		Title: dn.Title, Body: body, ClaimWhere: claimWhere, WindowDays: days, WindowUnit: unit, USCCs: usccs,
		CorrectsID: corrects, Demo: true}, actor, created)
	if err != nil {
		return err
	}
	p, err := l.st.PublishNotice(ctx, n.ID, pub)
	if err != nil {
		return err
	}
	l.notices[dn.Key] = p
	number := ""
	if p.Number != nil {
		number = *p.Number
	}
	if dn.Listed {
		for _, in := range members {
			reason := fmt.Sprintf("列入%s（%s僵尸类机构名单），公告期内接受出借人主张债权。", number, dn.Batch)
			if err := l.dispose(ctx, in, "listed", reason, actor, pub); err != nil {
				return err
			}
		}
	}
	if dn.Conclude && p.Deadline != nil {
		at := p.Deadline.Add(7*24*time.Hour + 10*time.Hour)
		if at.Before(l.opt.Now()) {
			note := "公告期满，无出借人主张债权；已提请市场监管部门列入经营异常名录并依法吊销营业执照，提请通信管理部门关闭其网站和移动应用程序。"
			for _, li := range p.Institutions {
				if _, err := l.st.RecordOutcome(ctx, p.ID, li.ID, models.OutcomeNoClaim, note, actor, at); err != nil {
					return fmt.Errorf("outcome of %s: %w", li.USCC, err)
				}
				for _, in := range members {
					if in.ID == li.InstitutionID {
						in.Disposition = "to_market_regulator"
					}
				}
			}
		}
	}
	return nil
}

// users creates the four demo logins.
func (l *demoLoader) users(ctx context.Context) ([]demoLogin, error) {
	filer := l.inst[demoFilerKey]
	specs := []struct {
		u     models.NewUser
		scope string
	}{
		{models.NewUser{Role: models.RoleAdmin, Email: "admin@demo.pilu.example"}, "全国 national"},
		{models.NewUser{Role: models.RoleOffice, Email: demoActors["440000"], Province: "440000"}, "广东省 440000"},
		{models.NewUser{Role: models.RoleOffice, Email: demoActors["110000"], Province: "110000"}, "北京市 110000"},
		{models.NewUser{Role: models.RoleInstitution, Email: demoFiler(l.spec[demoFilerKey]), InstitutionUSCC: filer.USCC},
			filer.Name + " " + filer.USCC},
	}
	var out []demoLogin
	for _, sp := range specs {
		u, password, token, err := l.st.CreateUser(ctx, sp.u)
		if err != nil {
			return nil, err
		}
		out = append(out, demoLogin{Role: u.Role, Scope: sp.scope, Email: u.Email, Password: password, Token: token})
	}
	return out, nil
}

// demoPrintLogins prints the demo logins in one block.
func demoPrintLogins(out io.Writer, logins []demoLogin, institutions, notices int) {
	var b strings.Builder
	rule := strings.Repeat("=", 72)
	fmt.Fprintf(&b, "\n%s\nPilu: demo data set loaded (%d fictional institutions, %d notices).\n", rule, institutions, notices)
	b.WriteString("Demo logins, shown only this once (passwords and tokens are stored hashed):\n")
	for _, lg := range logins {
		fmt.Fprintf(&b, "\n  %-12s %s\n", lg.Role, lg.Scope)
		fmt.Fprintf(&b, "    email:     %s\n    password:  %s\n    API token: %s\n", lg.Email, lg.Password, lg.Token)
	}
	fmt.Fprintf(&b, "%s\n\n", rule)
	io.WriteString(out, b.String())
}

// criteria turns the rule placeholders of a decision into the figures that meet the rule, from the
// reports filed before at; a rule the figures do not meet is an error in the data set.
func (l *demoLoader) criteria(key string, list []string, at time.Time) ([]string, error) {
	var filed []demoFiled
	for _, f := range l.filed[key] {
		if f.At.Before(at) {
			filed = append(filed, f)
		}
	}
	out := make([]string, 0, len(list))
	for _, c := range list {
		rule, ok := strings.CutPrefix(c, demoRulePrefix)
		if !ok {
			out = append(out, c)
			continue
		}
		if len(filed) == 0 {
			return nil, fmt.Errorf("rule %s: no figures filed yet", rule)
		}
		last := filed[len(filed)-1]
		switch rule {
		case models.RuleZombieBalance, models.RuleZombieNewBusiness:
			n := 0
			for j := len(filed) - 1; j >= 0; j-- {
				v := filed[j].Fig.OutstandingAmount
				if rule == models.RuleZombieNewBusiness {
					v = filed[j].Fig.NewBusinessAmount
				}
				if v != 0 {
					break
				}
				n++
			}
			if n < models.ZombieMonths {
				return nil, fmt.Errorf("rule %s: only %d months at zero by %s", rule, n, last.Period)
			}
			what := "借贷余额"
			if rule == models.RuleZombieNewBusiness {
				what = "新业务发生额"
			}
			out = append(out, fmt.Sprintf("%s连续%d个月为零（%s至%s），超过三个月", what, n, demoZhMonth(filed[len(filed)-n].Period), demoZhMonth(last.Period)))
		case models.RuleHighRiskOverdue:
			bp := last.Fig.OverdueShareBP()
			if !models.OverdueAboveTenth(last.Fig) {
				return nil, fmt.Errorf("rule %s: overdue share %d bp in %s", rule, bp, last.Period)
			}
			out = append(out, fmt.Sprintf("逾期金额占借贷余额的%d.%02d%%，超过10%%（%s末：逾期金额%s万元，借贷余额%s万元）",
				bp/100, bp%100, demoZhMonth(last.Period), demoWan(last.Fig.OverdueAmount), demoWan(last.Fig.OutstandingAmount)))
		case models.RuleSmall:
			if last.Fig.OutstandingAmount == 0 {
				return nil, fmt.Errorf("rule %s: no business left in %s: not small but a zombie", rule, last.Period)
			}
			out = append(out, fmt.Sprintf("借贷余额%s万元、出借人%d人（%s末），均低于本省规模较小类标准",
				demoWan(last.Fig.OutstandingAmount), last.Fig.Lenders, demoZhMonth(last.Period)))
		default:
			return nil, fmt.Errorf("unknown rule %s", rule)
		}
	}
	return out, nil
}

// lastFiled returns the latest report filed before at.
func (l *demoLoader) lastFiled(key string, at time.Time) (demoFiled, bool) {
	var last demoFiled
	ok := false
	for _, f := range l.filed[key] {
		if f.At.Before(at) && f.Period > last.Period {
			last, ok = f, true
		}
	}
	return last, ok
}

// filedAt is when a monthly report was filed: up to two days before its due day, or late days after.
func (l *demoLoader) filedAt(r *rand.Rand, period string, late int) (time.Time, error) {
	due, err := l.cal.MonthlyReportDue(period)
	if err != nil {
		return time.Time{}, err
	}
	day := due.AddDays(-r.IntN(3))
	if late > 0 {
		day = due.AddDays(late)
	}
	return time.Date(day.Year, day.Month, day.Day, 9+r.IntN(8), r.IntN(60), r.IntN(60), 0, models.ChinaZone), nil
}

// demoFigures generates an institution's monthly figures from 2018-07 on, following its profile;
// every report satisfies every figure rule (models.FigureRules; TestDemoFiguresSatisfyRules).
func demoFigures(r *rand.Rand, sp demoInstitution) []models.MonthlyFigures {
	if sp.Months == 0 {
		return nil
	}
	between := func(lo, hi float64) float64 { return lo + r.Float64()*(hi-lo) }
	scale := func(v int64, f float64) int64 { return int64(math.Round(float64(v) * f)) }
	od := sp.OverdueBP
	if od == [2]int{} {
		od = map[demoProfile][2]int{profDecline: {150, 5}, profMixed: {200, 10}, profZeroBalance: {400, 60},
			profNoNew: {300, 40}, profHighRisk: {700, 120}, profExposed: {900, 250}}[sp.Profile]
	}
	stopNew := sp.StopNew
	if sp.Profile == profZeroBalance {
		stopNew = max(sp.ZeroFrom-2, 1)
	}
	avgLoan := (8000 + r.Int64N(52000)) * 100
	bal := sp.Scale*1_000_000 + r.Int64N(1_000_000)
	lenders := sp.Lenders
	cumLend := scale(bal, between(3, 6))
	cumLendCount := max(cumLend/avgLoan, 1)
	cumLenders := scale(lenders, between(2, 4))
	cumBorrowers := min(max(bal/avgLoan*2+r.Int64N(100), 1), cumLendCount) // each borrowed at least once
	var cumComp, cumCompCount int64
	compensates := r.IntN(3) == 0
	top10Share := between(0.03, 0.12)
	out := make([]models.MonthlyFigures, 0, sp.Months)
	for i := range sp.Months {
		prevBal, prevLenders := bal, lenders
		stopped := stopNew > 0 && i >= stopNew
		if i > 0 {
			var f, lf float64
			switch sp.Profile {
			case profDecline, profExposed, profNoNew:
				f, lf = between(0.88, 0.97), between(0.88, 0.97)
			case profMixed, profHighRisk:
				if i%5 == 2 || i%7 == 4 {
					f, lf = between(1.01, 1.06), between(1.005, 1.04)
				} else {
					f, lf = between(0.93, 0.99), between(0.93, 0.99)
				}
			case profZeroBalance:
				f, lf = between(0.45, 0.75), between(0.5, 0.8)
			}
			if stopped && f > 1 {
				f, lf = 0.97, 0.97
			}
			bal, lenders = scale(bal, f), scale(lenders, lf)
			if lf < 1 && lenders >= prevLenders {
				lenders = prevLenders - 1
			}
		}
		if sp.Profile == profZeroBalance && i >= sp.ZeroFrom {
			bal, lenders = 0, 0
		}
		bal, lenders = max(bal, 0), max(lenders, 0)
		if bal == 0 {
			lenders = 0
		}
		var newBiz, newLenders int64
		if !stopped && bal > 0 {
			newBiz = max(bal-prevBal, 0) + scale(prevBal, between(0.01, 0.05))
			newLenders = max(lenders-prevLenders, 0) + r.Int64N(lenders/100+2)
		}
		cumLend += newBiz
		if newBiz > 0 {
			cumLendCount += newBiz/avgLoan + 1
			cumBorrowers += scale(newBiz/avgLoan+1, 0.8)
		}
		cumLenders += newLenders
		f := models.MonthlyFigures{CumLendingAmount: cumLend, CumLendingCount: cumLendCount,
			CumLenders: cumLenders, CumBorrowers: cumBorrowers, NewBusinessAmount: newBiz}
		if bal > 0 {
			count := min(max(scale(bal/avgLoan, between(0.9, 1.1)), 1), cumLendCount)
			bp := min(max(od[0]+od[1]*i+r.IntN(81)-40, 0), 6000)
			f.OutstandingAmount, f.OutstandingCount, f.Lenders = bal, count, max(lenders, 1)
			f.Borrowers = min(max(scale(count, 0.85), 1), cumBorrowers)
			f.OutstandingInterest = scale(bal, between(0.04, 0.07))
			f.Top10Amount = max(scale(bal, top10Share*between(0.9, 1.1)), 1)
			f.LargestAmount = max(scale(f.Top10Amount, between(0.12, 0.3)), 1)
			if r.IntN(4) == 0 {
				f.RelatedAmount, f.RelatedCount = max(scale(bal, between(0.001, 0.004)), 1), min(1+r.Int64N(3), count)
			}
			f.OverdueAmount = bal * int64(bp) / 10000
			if f.OverdueAmount > 0 {
				f.OverdueCount = min(max(count*int64(bp)/10000, 1), count)
				share90 := between(0.3, 0.7)
				f.Overdue90Amount = scale(f.OverdueAmount, share90)
				f.Overdue90Count = min(scale(f.OverdueCount, share90), f.OverdueCount)
				if f.Overdue90Amount == 0 {
					f.Overdue90Count = 0
				} else {
					f.Overdue90Count = max(f.Overdue90Count, 1) // an amount overdue has its loans
				}
			}
			if compensates && f.OverdueAmount > 0 {
				cumComp += max(scale(f.OverdueAmount, between(0.02, 0.06)), 1)
				cumCompCount += f.OverdueCount/10 + 1
			}
			lenders = f.Lenders
		}
		f.CumCompensationAmount, f.CumCompensationCount = cumComp, cumCompCount
		out = append(out, f)
	}
	return out
}

// noticeBody writes a notice's text in the style of the offices' notices.
func (l *demoLoader) noticeBody(dn demoNotice, members []*models.Institution, pub time.Time, days int, unit models.Unit, last models.Date, corrected models.Notice) string {
	div, _ := models.LookupDivision(dn.Province)
	office := div.Name + "网贷整治办"
	basis := "根据《关于做好网贷机构分类处置和风险防范工作的意见》（整治办函〔2018〕175号）等文件要求，"
	period := ""
	if days > 0 {
		u := "日"
		if unit == models.UnitWorking {
			u = "个工作日"
		}
		period = fmt.Sprintf("自本公告发布之次日起%d%s内（至%s止）", days, u, demoZhDay(last))
	}
	list := func(withClass bool) []string {
		var out []string
		for i, in := range members {
			brand := in.Brands[0]
			for k, typo := range dn.Typos {
				if l.inst[k] == in {
					brand = typo
				}
			}
			line := fmt.Sprintf("%d. %s（统一社会信用代码：%s；平台名称：%s；注册地：%s）", i+1, in.Name, in.USCC, brand, in.District)
			if withClass {
				line += "：" + demoClassLabel[l.classAt(in, pub)]
			}
			out = append(out, line)
		}
		return out
	}
	var p []string
	switch dn.Kind {
	case "zombie_list":
		p = append(p,
			basis+office+"对辖内网络借贷信息中介机构开展了核查。经核查，下列机构借贷余额或新增业务连续超过三个月为零，已无实质性网络借贷信息中介业务，认定为僵尸类机构。现将"+div.Name+dn.Batch+"僵尸类网络借贷信息中介机构名单（共"+fmt.Sprint(len(members))+"家）予以公告。",
			"请上述机构的出借人于公告期内，即"+period+"，携带本人有效身份证件、出借合同、资金往来凭证等材料，到"+demoOfficeAddress[dn.Province]+"主张存量债权，或通过本网站本公告页面在线登记；委托他人办理的，应当同时提交授权委托书及受托人身份证件。",
			"公告期满后，对无出借人主张债权的机构，我办将提请市场监督管理部门依法将其列入经营异常名录，并依法吊销其营业执照或督促其办理注销、变更经营范围等手续，同时提请通信管理部门依法关闭其网站、移动应用程序等互联网平台；对有出借人主张债权的机构，将依法依规另行分类处置。",
			"请广大出借人提高风险防范意识，切勿轻信以“平台复工”“债权回购”“代理维权”等名义开展的诈骗活动。",
			"特此公告。",
			"附表："+div.Name+dn.Batch+"僵尸类网络借贷信息中介机构名单")
		p = append(p, list(false)...)
	case "general":
		p = append(p,
			basis+office+"组织对辖内网络借贷信息中介机构开展了分类工作。现将已完成分类的第一批机构名单及分类结果予以公告：")
		p = append(p, list(true)...)
		p = append(p,
			"分类结果将根据机构风险状况实行动态调整。请出借人密切关注所出借机构的分类情况和信息披露，理性评估风险；请各机构按照要求如实报送运营数据，切实落实借贷余额和出借人数量双降要求。",
			"对分类结果有异议的机构，可自本公告发布之次日起10个工作日内向我办书面提出复核申请。",
			"特此公告。")
	case "correction":
		idx, name, typo, brand := 0, "", "", ""
		for i, in := range members {
			if t, ok := dn.correctedTypo(l, in); ok {
				idx, name, typo, brand = i+1, in.Name, t, in.Brands[0]
			}
		}
		number := ""
		if corrected.Number != nil {
			number = *corrected.Number
		}
		published := ""
		if corrected.PublishedAt != nil {
			published = demoZhDate(*corrected.PublishedAt)
		}
		p = append(p,
			fmt.Sprintf("我办于%s发布的《%s》（%s）附表第%d项“%s”的平台名称误写为“%s”，现更正为“%s”。", published, corrected.Title, number, idx, name, typo, brand),
			"原公告其他内容不变，公告期仍按原公告执行；出借人此前已提交的债权主张材料继续有效，无需重复提交。",
			"由此给出借人带来的不便，我办深表歉意。特此更正。")
	case "transfer":
		p = append(p, basis+"经核查，下列机构涉嫌非法吸收公众存款等违法犯罪行为，"+office+"已依法将有关线索及材料移送公安机关，公安机关已依法立案侦查：")
		p = append(p, list(false)...)
		p = append(p,
			"请上述机构的出借人及时向机构注册地公安机关报案并登记债权信息，如实提供出借合同、转账凭证等材料，配合开展资产追缴和清退工作。",
			"请出借人依法理性维权，不信谣、不传谣，不参与非法聚集，谨防以“代理维权”“追回损失”为名的诈骗。借款人应当按照合同约定继续履行还款义务，恶意逃废债务的，将依法追究其法律责任并纳入金融信用信息基础数据库。",
			"特此公告。")
	case "exit_supervision":
		p = append(p, basis+"下列机构已向"+office+"报送良性退出方案并公开发布退出公告，承诺在监管部门监督下有序清退存量业务、按兑付方案兑付出借人本息：")
		p = append(p, list(false)...)
		p = append(p,
			"现将有关情况予以公告，接受社会监督。公告期为"+period+"。公告期内，出借人或社会公众发现上述机构存在转移资产、逃废债务、股东及高级管理人员失联等情况的，可向"+demoOfficeAddress[dn.Province]+"书面反映，或通过本网站在线提交。",
			"退出期间，上述机构应当继续按月披露兑付进展；对未按兑付方案执行的机构，我办将依法依规调整其分类并采取相应处置措施。",
			"特此公告。")
	}
	p = append(p, office+"（演示）", demoZhDate(pub))
	return strings.Join(p, "\n\n")
}

// correctedTypo reports the brand that the corrected notice misprinted for in, if any.
func (dn demoNotice) correctedTypo(l *demoLoader, in *models.Institution) (string, bool) {
	for _, orig := range demoNotices {
		if orig.Key != dn.Corrects {
			continue
		}
		for k, typo := range orig.Typos {
			if l.inst[k] == in {
				return typo, true
			}
		}
	}
	return "", false
}

// classAt is the class an institution had at time at, from its decisions in the data set.
func (l *demoLoader) classAt(in *models.Institution, at time.Time) string {
	class := "unclassified"
	for k, p := range l.inst {
		if p != in {
			continue
		}
		for _, st := range l.spec[k].Steps {
			if st.Class != "" && demoAt(st.On, 15, 0).Before(at) {
				class = st.Class
			}
		}
	}
	return class
}

var demoClassLabel = map[string]string{
	"case_filed": "已立案类", "malicious_exit": "恶意退出类", "voluntary_exit": "主动清退类", "zombie": "僵尸类",
	"small": "规模较小类", "high_risk": "高风险类", "normal": "正常类", "unclassified": "未分类",
}

// demoMonthlyBody is the short text that goes with a monthly report.
func demoMonthlyBody(sp demoInstitution, period string, f models.MonthlyFigures) string {
	y, m, _ := models.ParsePeriod(period)
	end := time.Date(y, m+1, 0, 0, 0, 0, 0, models.ChinaZone)
	return fmt.Sprintf("截至%s，%s平台借贷余额%s万元，借贷余额笔数%d笔，当期出借人%d人、借款人%d人；当月新业务发生额%s万元；逾期金额%s万元，其中逾期90天以上%s万元；累计借贷金额%s万元。",
		demoZhDate(end), sp.Brands[0], demoWan(f.OutstandingAmount), f.OutstandingCount, f.Lenders, f.Borrowers,
		demoWan(f.NewBusinessAmount), demoWan(f.OverdueAmount), demoWan(f.Overdue90Amount), demoWan(f.CumLendingAmount))
}

// demoExitAnnouncement writes an exit announcement (退出公告).
func demoExitAnnouncement(sp demoInstitution, asof demoFiled, at time.Time) (string, []string) {
	brand := sp.Brands[0]
	f := asof.Fig
	return brand + "关于平台良性退出的公告", []string{
		"尊敬的各位出借人：",
		fmt.Sprintf("近年来，网络借贷行业风险持续暴露，监管政策不断完善。根据《关于做好网贷机构分类处置和风险防范工作的意见》（整治办函〔2018〕175号）的要求，结合本公司经营实际，经股东会审慎研究决定，%s（以下简称“本公司”）旗下%s平台自%s起停止发布新的借款标的，不再新增出借人和借款业务，平台进入良性退出程序。", sp.Name, brand, demoZhDate(at)),
		fmt.Sprintf("截至%s末，平台借贷余额为%s万元，涉及出借人%d人、借款人%d人，逾期金额%s万元，其中逾期90天以上%s万元。本公司将在%s网贷整治办的监督指导下，依法依规推进存量业务清收和出借人本金兑付工作，全力保障出借人的合法权益。", demoZhMonth(asof.Period), demoWan(f.OutstandingAmount), f.Lenders, f.Borrowers, demoWan(f.OverdueAmount), demoWan(f.Overdue90Amount), demoDivisionName(sp.Province)),
		"退出期间，本公司郑重承诺：一是股东、实际控制人及高级管理人员坚守岗位，不失联、不跑路；二是依法妥善保管业务数据、合同档案和资金流水，不转移、不隐匿、不销毁；三是继续按月披露运营数据和兑付进展，主动接受监管部门和社会公众监督；四是加大催收力度，对恶意逃废债的借款人依法提起诉讼，并报送金融信用信息基础数据库。",
		fmt.Sprintf("兑付方案将另行公告。出借人如有疑问，可通过平台官网（www.%s.example.cn）“出借人服务”栏目或客服邮箱 service@%s.example.cn 咨询，也可在工作日到本公司（%s）现场咨询。我们对广大出借人长期以来的理解与支持表示衷心感谢。", sp.Site, sp.Site, sp.Address),
		"特此公告。",
		"\t" + sp.Name,
		"\t" + demoZhDate(at),
	}
}

// demoRepaymentPlan writes a repayment plan (兑付方案) with its tranches.
func demoRepaymentPlan(sp demoInstitution, asof demoFiled, at time.Time, ex *demoExit, planned []int64) (string, []string) {
	brand := sp.Brands[0]
	f := asof.Fig
	p := []string{
		"尊敬的各位出借人：",
		fmt.Sprintf("本公司已于%s发布《%s关于平台良性退出的公告》。为依法有序兑付出借人本金，经与%s网贷整治办沟通，并听取出借人代表意见，现制定本兑付方案如下。", demoZhDay(demoMustDate(ex.Announced)), brand, demoDivisionName(sp.Province)),
		fmt.Sprintf("一、基本情况。截至%s末，平台待偿本金（借贷余额）%s万元，涉及出借人%d人；逾期金额%s万元。兑付资金来源于借款人按期还款、逾期借款催收回款、股东增资以及公司自有资产处置所得。", demoZhMonth(asof.Period), demoWan(f.OutstandingAmount), f.Lenders, demoWan(f.OverdueAmount)),
		"二、兑付原则。坚持公开、公平、公正，对全体出借人按其待收本金同比例兑付，不区分出借人身份，不设置任何前置条件；出借人此前已收到的利息及平台奖励不予扣减。",
		"三、兑付安排。兑付分期进行，各期兑付资金直接划入出借人在存管银行开立的账户：",
	}
	for i, t := range ex.Tranches {
		if ex.ByAmount {
			p = append(p, fmt.Sprintf("第%d期：%s前，兑付%s万元（约占待偿本金的%d%%）；", i+1, demoZhDay(demoMustDate(t.Date)), demoWan(planned[i]), t.ShareBP/100))
		} else {
			p = append(p, fmt.Sprintf("第%d期：%s前，兑付各出借人待收本金的%d%%（约%s万元）；", i+1, demoZhDay(demoMustDate(t.Date)), t.ShareBP/100, demoWan(planned[i])))
		}
	}
	p = append(p,
		"四、其他事项。兑付期间，本公司将每期兑付完成后五个工作日内披露兑付进展；如借款人回款不及预期，本公司股东承诺以自有资金补足当期兑付资金。出借人对本方案有异议的，可于本方案发布之日起15日内书面提出。",
		"特此公告。",
		"\t"+sp.Name,
		"\t"+demoZhDate(at))
	return brand + "出借人兑付方案", p
}

// demoProgress writes a repayment progress report (兑付进展公告) for tranche i.
func demoProgress(sp demoInstitution, asof demoFiled, at time.Time, i int, paid []models.Tranche, planned []int64, paidTotal, total int64) (string, []string) {
	brand := sp.Brands[0]
	this := paid[len(paid)-1]
	p := []string{
		"尊敬的各位出借人：",
		fmt.Sprintf("根据《%s出借人兑付方案》的安排，本公司已于%s完成第%d期兑付，本期兑付金额%s万元（方案计划%s万元，完成率%d%%），已划入%d名出借人的存管账户。",
			brand, demoZhDay(demoMustDate(this.Date)), i+1, demoWan(this.AmountFen), demoWan(planned[i]), this.AmountFen*100/max(planned[i], 1), asof.Fig.Lenders),
		fmt.Sprintf("截至本公告发布之日，本公司累计兑付%s万元，占退出时待偿本金%s万元的%d.%02d%%。", demoWan(paidTotal), demoWan(total), paidTotal*10000/max(total, 1)/100, paidTotal*10000/max(total, 1)%100),
		fmt.Sprintf("本期兑付未达计划部分，主要因部分借款人逾期未还所致。本公司已对%d名逾期借款人提起诉讼或申请仲裁，并将催收回款全部用于后续兑付。", 20+i*37),
	}
	if i+1 < len(planned) {
		p = append(p, fmt.Sprintf("下一期（第%d期）兑付计划于%s前完成，计划兑付%s万元，届时另行公告。", i+2, demoZhDay(demoMustDate(sp.Exit.Tranches[i+1].Date)), demoWan(planned[i+1])))
	}
	p = append(p, "感谢广大出借人的理解与支持。特此公告。", "\t"+sp.Name, "\t"+demoZhDate(at))
	return fmt.Sprintf("%s关于第%d期兑付进展的公告", brand, i+1), p
}

// demoOrgCode derives a fixed 9-character organisation code from a name.
func demoOrgCode(name string) string {
	const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	h := sha256.Sum256([]byte(name))
	b := make([]byte, 9)
	for i := range b {
		b[i] = alphabet[int(h[i])%len(alphabet)]
	}
	return string(b)
}

// demoFiler is the account that files an institution's disclosures.
func demoFiler(sp demoInstitution) string {
	if sp.Key == demoFilerKey {
		return "filer@demo.pilu.example"
	}
	return "filer." + sp.Site + "@demo.pilu.example"
}

// demoPeriod is the month m months after demoFirstPeriod.
func demoPeriod(m int) string {
	y, mo, _ := models.ParsePeriod(demoFirstPeriod)
	return time.Date(y, mo+time.Month(m), 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
}

// demoAt is hour:minute of a YYYY-MM-DD day in China time.
func demoAt(day string, hour, minute int) time.Time {
	d := demoMustDate(day)
	return time.Date(d.Year, d.Month, d.Day, hour, minute, 0, 0, models.ChinaZone)
}

func demoMustDate(day string) models.Date {
	d, err := models.ParseDate(day)
	if err != nil {
		panic("app: demo data: " + err.Error())
	}
	return d
}

// demoDivisionName is the Chinese name of an office's division.
func demoDivisionName(code string) string {
	d, _ := models.LookupDivision(code)
	return d.Name
}

// demoWan formats fen as 万元 with two decimals.
func demoWan(fen int64) string {
	return fmt.Sprintf("%d.%02d", fen/1_000_000, fen%1_000_000/10_000)
}

func demoZhDate(t time.Time) string { return demoZhDay(models.DateOf(t)) }

func demoZhDay(d models.Date) string {
	return fmt.Sprintf("%d年%d月%d日", d.Year, int(d.Month), d.Day)
}

func demoZhMonth(period string) string {
	y, m, _ := models.ParsePeriod(period)
	return fmt.Sprintf("%d年%d月", y, int(m))
}
