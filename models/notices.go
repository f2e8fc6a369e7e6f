package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// NewNotice is an office's draft of a notice.
type NewNotice struct {
	Kind                                     NoticeKind
	Province, Batch, Title, Body, ClaimWhere string
	Offices                                  []string // issuing offices' division codes; default the province
	WindowDays                               int
	WindowUnit                               Unit
	USCCs                                    []string // the institutions listed
	Names                                    []string // optional, parallel to USCCs: checked against the registry
	CorrectsID                               *uint64
	Demo                                     bool
	Attachments                              []Attachment // stored blobs, written with the draft
}

// CreateNotice validates and stores a draft notice listing institutions from the registry.
func (s *Store) CreateNotice(ctx context.Context, nn NewNotice, actor string, now time.Time) (Notice, error) {
	n, err := s.checkNotice(ctx, nn, actor, now)
	if err != nil {
		return Notice{}, err
	}
	for i := range n.Attachments {
		n.Attachments[i].CreatedAt = now
	}
	err = s.transact(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&n).Error; err != nil {
			return err
		}
		AuditRecordOf(ctx, "notice", strconv.FormatUint(n.ID, 10))
		return nil
	})
	return n, notFound(err, "create notice")
}

// UpdateDraft replaces the content of a draft notice (its attachments are kept and nn's added); a
// published notice never changes (ErrConflict).
func (s *Store) UpdateDraft(ctx context.Context, id uint64, nn NewNotice, actor string, now time.Time) (Notice, error) {
	old, err := s.NoticeByID(ctx, id)
	if err != nil {
		return Notice{}, err
	}
	if !old.IsDraft() {
		return Notice{}, conflict(CodeNoticePublished, Args{"notice": id})
	}
	n, err := s.checkNotice(ctx, nn, actor, now)
	if err != nil {
		return Notice{}, err
	}
	n.ID, n.CreatedAt, n.CreatedBy = old.ID, old.CreatedAt, old.CreatedBy
	err = s.transact(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&Notice{}).Where("id = ? AND published_at IS NULL", id).
			Select("kind", "province", "offices", "batch", "title", "body", "window_days", "window_unit", "claim_where", "corrects_id").
			Omit("Institutions", "Attachments").Updates(&n)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return conflict(CodeNoticePublishedMeanwhile, Args{"notice": id})
		}
		if err := tx.Where("notice_id = ?", id).Delete(&NoticeInstitution{}).Error; err != nil {
			return err
		}
		for i := range n.Institutions {
			n.Institutions[i].NoticeID = id
		}
		if len(n.Institutions) > 0 {
			if err := tx.Create(&n.Institutions).Error; err != nil {
				return err
			}
		}
		for _, a := range n.Attachments {
			a.NoticeID, a.CreatedAt = &n.ID, now
			if err := tx.Create(&a).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Notice{}, notFound(err, fmt.Sprintf("update notice %d", id))
	}
	return s.NoticeByID(ctx, id)
}

// checkNotice validates a draft and resolves its listed institutions against the registry; every
// row that fails is named (institutions[i], counted from 0).
func (s *Store) checkNotice(ctx context.Context, nn NewNotice, actor string, now time.Time) (Notice, error) {
	fe := FieldErrors{}
	if !nn.Kind.Valid() {
		fe.Add("kind", CodeOneOf, Args{"values": NoticeKinds, "vocabulary": "notice_kind"})
	}
	if !ValidProvince(nn.Province) {
		fe.Add("province", CodeNotProvince)
	}
	if len(nn.Offices) == 0 {
		nn.Offices = []string{nn.Province}
	}
	for _, o := range nn.Offices {
		if !ValidProvince(o) {
			fe.Add("offices", CodeUnknownOffice, Args{"office": o})
		}
	}
	title := strings.TrimSpace(nn.Title)
	if title == "" || utf8.RuneCountInString(title) > 300 {
		fe.Add("title", CodeRequiredMax, Args{"max": 300})
	}
	if strings.TrimSpace(nn.Body) == "" || !utf8.ValidString(nn.Body) {
		fe.Add("body", CodeBodyRequired)
	}
	switch {
	case nn.Kind.HasWindow() && nn.WindowDays == 0:
		fe.Add("window", CodeWindowRequired, Args{"max": MaxPeriodDays})
	case nn.Kind.Valid() && !nn.Kind.HasWindow() && nn.WindowDays != 0:
		fe.Add("window", CodeWindowNotAllowed)
	case nn.WindowDays != 0:
		if nn.WindowDays < 1 || nn.WindowDays > MaxPeriodDays {
			fe.Add("window", CodeWindowDays, Args{"max": MaxPeriodDays})
		}
		if nn.WindowUnit != UnitCalendar && nn.WindowUnit != UnitWorking {
			fe.Add("window", CodeWindowUnit)
		}
	}
	if nn.Kind.ListsInstitutions() && len(nn.USCCs) == 0 {
		fe.Add("institutions", CodeZombieListEmpty)
	}
	if nn.Kind == NoticeCorrection && nn.CorrectsID == nil {
		fe.Add("corrects", CodeCorrectsRequired)
	}
	n := Notice{Kind: nn.Kind, Province: nn.Province, Offices: nn.Offices, Batch: strings.TrimSpace(nn.Batch),
		Title: title, Body: nn.Body, Stored: NoticeDraft, WindowDays: nn.WindowDays, WindowUnit: string(nn.WindowUnit),
		ClaimWhere: strings.TrimSpace(nn.ClaimWhere), CorrectsID: nn.CorrectsID, CreatedBy: actor, Demo: nn.Demo, CreatedAt: now,
		Attachments: nn.Attachments}
	seen := map[string]bool{}
	for i, raw := range nn.USCCs {
		uscc, _, err := ParseUSCC(raw)
		if err != nil {
			fe.Add(fmt.Sprintf("institutions[%d]", i), CodeUSCC, usccArgs(err))
			continue
		}
		if seen[uscc] {
			fe.Add(fmt.Sprintf("institutions[%d]", i), CodeListedTwice)
			continue
		}
		seen[uscc] = true
		in, err := s.InstitutionByUSCC(ctx, uscc)
		if errors.Is(err, ErrNotFound) {
			fe.Add(fmt.Sprintf("institutions[%d]", i), CodeNotListed, Args{"uscc": uscc})
			continue
		} else if err != nil {
			return Notice{}, err
		}
		if i < len(nn.Names) && strings.TrimSpace(nn.Names[i]) != "" && strings.TrimSpace(nn.Names[i]) != in.Name && !OneOf(strings.TrimSpace(nn.Names[i]), in.FormerNames) {
			fe.Add(fmt.Sprintf("institutions[%d]", i), CodeRegisteredAs, Args{"uscc": uscc, "name": in.Name})
			continue
		}
		if in.Province != nn.Province && !OneOf(in.Province, nn.Offices) {
			fe.Add(fmt.Sprintf("institutions[%d]", i), CodeOtherProvince, Args{"uscc": uscc})
			continue
		}
		brand := ""
		if len(in.Brands) > 0 {
			brand = in.Brands[0]
		}
		n.Institutions = append(n.Institutions, NoticeInstitution{InstitutionID: in.ID, USCC: in.USCC, Name: in.Name, Brand: brand, District: in.District})
	}
	if nn.CorrectsID != nil {
		var c Notice
		if err := s.db.WithContext(ctx).Take(&c, *nn.CorrectsID).Error; err != nil || c.PublishedAt == nil {
			fe.Add("corrects", CodeNoSuchNotice)
		} else if c.Province != nn.Province {
			fe.Add("corrects", CodeNoticeOtherProvince)
		}
	}
	if len(fe) > 0 {
		return Notice{}, fe
	}
	return n, nil
}

// PublishNotice fixes the number, the deadline and the content hash of a draft and opens it.
// Publishing a notice twice is a conflict.
func (s *Store) PublishNotice(ctx context.Context, id uint64, now time.Time) (Notice, error) {
	var out Notice
	cal, err := s.Calendar(ctx)
	if err != nil {
		return Notice{}, err
	}
	err = s.transact(ctx, func(tx *gorm.DB) error {
		var n Notice
		if err := tx.Preload("Institutions").Take(&n, id).Error; err != nil {
			return err
		}
		if !n.IsDraft() {
			return conflict(CodeNoticeAlreadyPublished, Args{"notice": id})
		}
		if n.Kind.ListsInstitutions() && len(n.Institutions) == 0 {
			return Invalid("institutions", CodeZombieListEmpty)
		}
		if n.Kind.HasWindow() {
			dl, err := cal.Deadline(DateOf(now), n.WindowDays, Unit(n.WindowUnit))
			if err != nil {
				if cfe := calendarFieldError("window", err); cfe != nil {
					return cfe
				}
				return Invalid("window", CodeWindowDays, Args{"max": MaxPeriodDays})
			}
			n.LastDay, n.Deadline = dl.LastDay.String(), &dl.Ends
			n.CalendarYears, n.CalendarSHA256 = cal.YearsText(), cal.SHA256()
		}
		number, err := nextNoticeNumber(tx, n.Offices[0], DateOf(now).Year)
		if err != nil {
			return err
		}
		n.Number, n.PublishedAt = &number, &now
		n.Stored = n.Status(now)
		n.SHA256 = n.ContentHash()
		res := tx.Model(&Notice{}).Where("id = ? AND published_at IS NULL", id).Updates(map[string]any{
			"number": number, "published_at": now, "status": n.Stored, "last_day": n.LastDay,
			"deadline": n.Deadline, "sha256": n.SHA256, "calendar_years": n.CalendarYears, "calendar_sha256": n.CalendarSHA256,
		})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return conflict(CodeNoticePublishedMeanwhile, Args{"notice": id})
		}
		if n.Kind == NoticeZombieList {
			if err := s.markListed(ctx, tx, n, now); err != nil {
				return err
			}
		}
		out = n
		if err := ledgerNotice(tx, n, now); err != nil {
			return err
		}
		return outbox(tx, "notice", n.ID)
	})
	var fe FieldErrors
	if errors.As(err, &fe) {
		return Notice{}, fe
	}
	return out, notFound(err, fmt.Sprintf("publish notice %d", id))
}

// markListed moves the disposition of each institution on a published zombie list to "listed",
// where the disposition graph allows it (an institution already further along keeps its own).
func (s *Store) markListed(ctx context.Context, tx *gorm.DB, n Notice, now time.Time) error {
	for _, li := range n.Institutions {
		var in Institution
		if err := tx.Take(&in, li.InstitutionID).Error; err != nil {
			return err
		}
		if CheckDispositionMove(in.Disposition, "listed") != nil {
			continue
		}
		if err := s.setDisposition(ctx, tx, in, "listed", deref(n.Number)+": listed on a zombie list", n.CreatedBy, now); err != nil {
			return err
		}
	}
	return nil
}

// SuggestNoticeNumber is the document number the office's next notice of year will get.
func (s *Store) SuggestNoticeNumber(ctx context.Context, office string, year int) (string, error) {
	return nextNoticeNumber(s.db.WithContext(ctx), office, year)
}

// nextNoticeNumber suggests the next document number of an office in a year, e.g. 京网贷整治办公告〔2019〕3号.
func nextNoticeNumber(tx *gorm.DB, office string, year int) (string, error) {
	d, ok := LookupDivision(office)
	if !ok {
		return "", Invalid("offices", CodeUnknownOffice, Args{"office": office})
	}
	prefix := fmt.Sprintf("%s网贷整治办公告〔%d〕", d.Short, year)
	var count int64
	if err := tx.Model(&Notice{}).Where("number LIKE ?", prefix+"%").Count(&count).Error; err != nil {
		return "", err
	}
	return fmt.Sprintf("%s%d号", prefix, count+1), nil
}

// ContentHash is the SHA-256 of the notice's canonical published content.
func (n Notice) ContentHash() string {
	type listed struct{ USCC, Name string }
	ls := make([]listed, len(n.Institutions))
	for i, x := range n.Institutions {
		ls[i] = listed{x.USCC, x.Name}
	}
	var pub, dl string
	if n.PublishedAt != nil {
		pub = n.PublishedAt.UTC().Format(time.RFC3339)
	}
	if n.Deadline != nil {
		dl = n.Deadline.UTC().Format(time.RFC3339)
	}
	number := ""
	if n.Number != nil {
		number = *n.Number
	}
	b, _ := json.Marshal(struct {
		Number, Kind, Province, Batch, Title, Body, ClaimWhere, WindowUnit, PublishedAt, Deadline string
		Offices                                                                                   []string
		WindowDays                                                                                int
		CorrectsID                                                                                *uint64
		Institutions                                                                              []listed
	}{number, string(n.Kind), n.Province, n.Batch, n.Title, n.Body, n.ClaimWhere, n.WindowUnit, pub, dl, n.Offices, n.WindowDays, n.CorrectsID, ls})
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// DaysLeft is the number of whole days until the deadline while the notice is open (0 on the last
// day), -1 otherwise.
func (n Notice) DaysLeft(now time.Time) int {
	if n.Status(now) != NoticeOpen {
		return -1
	}
	return int(n.Deadline.Sub(now).Hours()) / 24
}

// HoursLeft is the number of whole hours beyond DaysLeft until the deadline while the notice is
// open (0–23), 0 otherwise: DaysLeft and HoursLeft together are the countdown pages show.
func (n Notice) HoursLeft(now time.Time) int {
	if n.Status(now) != NoticeOpen {
		return 0
	}
	return int(n.Deadline.Sub(now).Hours()) % 24
}

// ExpireNotices writes the transition to expired for the notices whose Status became expired (their
// deadline passed) while the stored transition still says open. Each move is a conditional
// UPDATE (stored status still open), and only the process whose UPDATE changed the row reports it and
// writes its outbox entry, so several processes never transition a notice twice. It returns the ids
// this call moved.
func (s *Store) ExpireNotices(ctx context.Context, now time.Time) ([]uint64, error) {
	var due, moved []uint64
	q := s.db.WithContext(ctx).Model(&Notice{}).Where("status = ?", NoticeOpen)
	if err := statusQuery(q, NoticeExpired, now).Pluck("id", &due).Error; err != nil {
		return nil, notFound(err, "expire notices")
	}
	for _, id := range due {
		changed := false
		err := s.transact(ctx, func(tx *gorm.DB) error {
			res := tx.Model(&Notice{}).Where("id = ? AND status = ? AND deadline <= ?", id, NoticeOpen, now).Update("status", NoticeExpired)
			if changed = res.RowsAffected == 1; res.Error != nil || !changed {
				return res.Error
			}
			return outbox(tx, "notice", id)
		})
		if err != nil {
			return moved, notFound(err, fmt.Sprintf("expire notice %d", id))
		}
		if changed {
			moved = append(moved, id)
		}
	}
	return moved, nil
}

// NoticeFilter selects published notices.
type NoticeFilter struct {
	Kind          NoticeKind
	Status        NoticeStatus // as Notice.Status tells it at Now; drafts are never listed
	Province      string
	Page, PerPage int
	Now           time.Time // for the status filter
}

// ListNotices returns one page of published notices, newest first, with the total.
func (s *Store) ListNotices(ctx context.Context, f NoticeFilter) ([]Notice, int64, error) {
	q := publishedQuery(s.db.WithContext(ctx).Model(&Notice{}))
	if f.Kind != "" {
		q = q.Where("kind = ?", f.Kind)
	}
	if f.Province != "" {
		q = q.Where("province = ?", f.Province)
	}
	if f.Status != "" {
		q = statusQuery(q, f.Status, f.Now)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, notFound(err, "count notices")
	}
	page, per := Paging(f.Page, f.PerPage)
	var out []Notice
	err := q.Preload("Institutions", func(db *gorm.DB) *gorm.DB { return db.Order("id") }).Preload("Attachments").
		Order("published_at DESC, id DESC").Offset((page - 1) * per).Limit(per).Find(&out).Error
	return out, total, notFound(err, "list notices")
}

// NoticeByID loads a notice with its listed institutions and attachments.
func (s *Store) NoticeByID(ctx context.Context, id uint64) (Notice, error) {
	var n Notice
	err := s.db.WithContext(ctx).Preload("Institutions", func(db *gorm.DB) *gorm.DB { return db.Order("id") }).
		Preload("Attachments").Take(&n, id).Error
	return n, notFound(err, fmt.Sprintf("notice %d", id))
}

// CorrectionOf returns the published correction of notice id, if any.
func (s *Store) CorrectionOf(ctx context.Context, id uint64) (*Notice, error) {
	var n Notice
	err := publishedQuery(s.db.WithContext(ctx)).Where("corrects_id = ?", id).Order("published_at, id").Limit(1).Find(&n).Error
	if err != nil || n.ID == 0 {
		return nil, err
	}
	return &n, nil
}

// CorrectionsOf maps each of the notices ids that a published correction names to the id of its
// first such correction (the one CorrectionOf returns); notices without one are absent.
func (s *Store) CorrectionsOf(ctx context.Context, ids ...uint64) (map[uint64]uint64, error) {
	out := map[uint64]uint64{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		CorrectsID uint64
		ID         uint64
	}
	err := publishedQuery(s.db.WithContext(ctx).Model(&Notice{})).Select("corrects_id, MIN(id) AS id").
		Where("corrects_id IN ?", ids).Group("corrects_id").Scan(&rows).Error
	for _, r := range rows {
		out[r.CorrectsID] = r.ID
	}
	return out, notFound(err, "corrections of notices")
}

// NoticesListing returns the published notices that list the institution, newest first.
func (s *Store) NoticesListing(ctx context.Context, institutionID uint64) ([]Notice, error) {
	var out []Notice
	sub := s.db.Model(&NoticeInstitution{}).Select("notice_id").Where("institution_id = ?", institutionID)
	err := publishedQuery(s.db.WithContext(ctx)).Where("id IN (?)", sub).Order("published_at DESC").Find(&out).Error
	return out, notFound(err, "notices listing institution")
}

// OpenNoticesListing returns the notices accepting claims at now that list any institution of
// usccs, with their listed institutions, the windows closing soonest first: what a page showing
// those institutions (search results) puts first.
func (s *Store) OpenNoticesListing(ctx context.Context, usccs []string, now time.Time) ([]Notice, error) {
	if len(usccs) == 0 {
		return nil, nil
	}
	var out []Notice
	db := s.db.WithContext(ctx)
	sub := db.Model(&NoticeInstitution{}).Select("notice_id").Where("uscc IN ?", usccs)
	err := statusQuery(publishedQuery(db.Where("id IN (?)", sub)), NoticeOpen, now).
		Preload("Institutions", func(db *gorm.DB) *gorm.DB { return db.Order("id") }).
		Order("deadline, id").Find(&out).Error
	return out, notFound(err, "open notices listing institutions")
}
