package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// migration is one step of the schema; steps are applied in order and never edited once released.
// Each step declares frozen local structs, so later changes to the live records cannot change it.
type migration struct {
	name string
	up   func(tx *gorm.DB) error
}

// migrations is the ordered list of schema steps; the version of a database is the number applied.
var migrations = []migration{
	{"initial schema: accounts, institutions, disclosures, notices, outbox", migrateInitial},
	{"claims on notices, their reads, claim evidence", migrateNotices},
	{"registry: rule suggestions, small-institution thresholds, decision evidence", migrateRegistry},
	{"ledger: append-only chain of published records", migrateLedger},
	{"disclosures: indexes for listing current versions (amends; institution by date)", migrateDisclosureListing},
	{"database identity: which database a search index was built from", migrateIdentity},
	{"leases: one process of several runs the scheduler", migrateLeases},
	{"plans: base amount of a plan in shares, the plan a progress report refers to", migratePlans},
	{"decisions and disposition moves: the deciding office, published instead of the account", migrateDecidingOffices},
	{"calendar: years of the official calendar imported after the build; the calendar of a notice's deadline; disabled accounts, revoked tokens", migrateCalendar},
	{"institutions: a pinyin sort key, so lists follow the order Chinese readers expect", migrateSortKeys},
	{"idempotency keys: a retried write answers its first answer again", migrateIdempotency},
	{"audit trail: staff actions hash-chained (not public); claims purged after the retention period", migrateAudit},
	{"staff second factor (TOTP, recovery codes, pending logins, per-role requirement); API tokens read-only, per province, expiring", migrateStaffFactor},
	{"attachments: the sealed key of a file stored encrypted (claim evidence)", migrateFileKeys},
	{"followers: follows by e-mail (sealed addresses), the mail outbox and its ledger cursor", migrateFollowers},
	{"webhooks: data users' receivers of the change stream, their delivery log and its ledger cursor", migrateWebhooks},
	{"disclosures: an index on (institution, kind, version, period, date, chain) that an institution's monthly filings and plans are read from alone", migrateDisclosureKinds},
}

// schemaVersion is the single-row table that records how many steps have been applied.
type schemaVersion struct {
	Version   int `gorm:"primaryKey;autoIncrement:false"`
	Name      string
	AppliedAt time.Time
}

// Migrate applies pending migrations, each in its own transaction, and reports how many it applied.
func (s *Store) Migrate(ctx context.Context) (int, error) { return s.migrate(ctx, len(migrations)) }

// migrate applies pending migrations up to version upTo.
func (s *Store) migrate(ctx context.Context, upTo int) (int, error) {
	db := s.db.WithContext(ctx)
	if err := db.Table("schema_version").Migrator().CreateTable(&schemaVersion{}); err != nil && !db.Migrator().HasTable("schema_version") {
		return 0, fmt.Errorf("models: create schema_version: %w", err)
	}
	var current int
	if err := db.Table("schema_version").Select("COALESCE(MAX(version), 0)").Scan(&current).Error; err != nil {
		return 0, fmt.Errorf("models: read schema version: %w", err)
	}
	if current > len(migrations) {
		return 0, fmt.Errorf("models: database schema version %d is newer than this program (%d)", current, len(migrations))
	}
	applied := 0
	for i := current; i < upTo; i++ {
		m := migrations[i]
		err := s.transact(ctx, func(tx *gorm.DB) error {
			if err := m.up(tx); err != nil {
				return err
			}
			return tx.Table("schema_version").Create(&schemaVersion{Version: i + 1, Name: m.name, AppliedAt: time.Now().UTC()}).Error
		})
		if err != nil {
			return applied, fmt.Errorf("models: migration %d (%s): %w", i+1, m.name, err)
		}
		applied++
	}
	return applied, nil
}

// SchemaVersion reports the number of migrations applied to the database.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.db.WithContext(ctx).Table("schema_version").Select("COALESCE(MAX(version), 0)").Scan(&v).Error
	return v, err
}

func migrateInitial(tx *gorm.DB) error {
	type user struct {
		ID              uint64 `gorm:"primaryKey"`
		Email           string `gorm:"size:254;uniqueIndex"`
		PasswordHash    string `gorm:"size:255"`
		Role            string `gorm:"size:16"`
		Province        string `gorm:"size:6"`
		InstitutionUSCC string `gorm:"column:institution_uscc;size:18"`
		CreatedAt       time.Time
	}
	type session struct {
		ID        string `gorm:"primaryKey;size:64"`
		UserID    uint64 `gorm:"index"`
		ExpiresAt time.Time
		CreatedAt time.Time
	}
	type apiToken struct {
		ID         uint64 `gorm:"primaryKey"`
		UserID     uint64 `gorm:"index"`
		Hash       string `gorm:"size:64;uniqueIndex"`
		CreatedAt  time.Time
		LastUsedAt *time.Time
	}
	type loginAttempt struct {
		Key         string `gorm:"primaryKey;size:300"`
		Failures    int
		WindowStart time.Time
		LockedUntil time.Time
	}
	type institution struct {
		ID                uint64 `gorm:"primaryKey"`
		USCC              string `gorm:"column:uscc;size:18;uniqueIndex"`
		Name              string `gorm:"size:200;index"`
		Brands            string `gorm:"type:text"`
		FormerNames       string `gorm:"type:text"`
		Websites          string `gorm:"type:text"`
		Apps              string `gorm:"type:text"`
		Province          string `gorm:"size:6;index"`
		District          string `gorm:"size:100"`
		DepositoryBank    string `gorm:"size:200"`
		RegisteredAddress string `gorm:"size:300"`
		Class             string `gorm:"size:20;index"`
		ClassSince        time.Time
		Disposition       string `gorm:"size:24;index"`
		Demo              bool
		CreatedAt         time.Time
		UpdatedAt         time.Time
	}
	type decision struct {
		ID            uint64 `gorm:"primaryKey"`
		InstitutionID uint64 `gorm:"index"`
		FromClass     string `gorm:"size:20"`
		ToClass       string `gorm:"size:20"`
		Reason        string `gorm:"type:text"`
		Criteria      string `gorm:"type:text"`
		DecidedBy     string `gorm:"size:254"`
		DecidedAt     time.Time
	}
	type dispositionChange struct {
		ID            uint64 `gorm:"primaryKey"`
		InstitutionID uint64 `gorm:"index"`
		FromState     string `gorm:"size:24"`
		ToState       string `gorm:"size:24"`
		Reason        string `gorm:"type:text"`
		DecidedBy     string `gorm:"size:254"`
		DecidedAt     time.Time
	}
	type disclosure struct {
		ID            uint64 `gorm:"primaryKey"`
		InstitutionID uint64 `gorm:"index"`
		USCC          string `gorm:"column:uscc;size:18;index"`
		Kind          string `gorm:"size:24;index"`
		Title         string `gorm:"size:300"`
		Period        string `gorm:"size:7;index"`
		Body          string `gorm:"type:mediumtext"`
		Version       int    `gorm:"default:1"`
		RootID        uint64 `gorm:"index"`
		Amends        *uint64
		AmendReason   string `gorm:"type:text"`
		EventType     string `gorm:"size:32"`
		EventAt       *time.Time
		DueAt         *time.Time
		LateDays      int
		PublishedAt   time.Time `gorm:"index"`
		FiledBy       string    `gorm:"size:254"`
		SHA256        string    `gorm:"column:sha256;size:64"`
		Demo          bool
	}
	type monthlyFigures struct {
		DisclosureID          uint64 `gorm:"primaryKey;autoIncrement:false"`
		InstitutionID         uint64 `gorm:"index:idx_figures_period,priority:1"`
		Period                string `gorm:"size:7;index:idx_figures_period,priority:2"`
		CumLendingAmount      int64
		CumLendingCount       int64
		OutstandingAmount     int64
		OutstandingCount      int64
		OutstandingInterest   int64
		CumLenders            int64
		CumBorrowers          int64
		Lenders               int64
		Borrowers             int64
		NewBusinessAmount     int64
		Top10Amount           int64
		LargestAmount         int64
		RelatedAmount         int64
		RelatedCount          int64
		OverdueAmount         int64
		OverdueCount          int64
		Overdue90Amount       int64 `gorm:"column:overdue90_amount"`
		Overdue90Count        int64 `gorm:"column:overdue90_count"`
		CumCompensationAmount int64
		CumCompensationCount  int64
	}
	type tranche struct {
		ID           uint64 `gorm:"primaryKey"`
		DisclosureID uint64 `gorm:"index"`
		Seq          int
		Date         string `gorm:"size:10"`
		AmountFen    int64
		ShareBP      int `gorm:"column:share_bp"`
	}
	type attachment struct {
		ID           uint64  `gorm:"primaryKey"`
		DisclosureID *uint64 `gorm:"index"`
		NoticeID     *uint64 `gorm:"index"`
		Name         string  `gorm:"size:255"`
		ContentType  string  `gorm:"size:100"`
		Size         int64
		SHA256       string `gorm:"column:sha256;size:64;index"`
		BlobKey      string `gorm:"size:100;uniqueIndex"`
		Text         string `gorm:"type:mediumtext"`
		CreatedAt    time.Time
	}
	type notice struct {
		ID          uint64  `gorm:"primaryKey"`
		Number      *string `gorm:"size:80;uniqueIndex"`
		Kind        string  `gorm:"size:24;index"`
		Province    string  `gorm:"size:6;index"`
		Offices     string  `gorm:"type:text"`
		Batch       string  `gorm:"size:100"`
		Title       string  `gorm:"size:300"`
		Body        string  `gorm:"type:mediumtext"`
		Status      string  `gorm:"size:12;index"`
		WindowDays  int
		WindowUnit  string     `gorm:"size:10"`
		ClaimWhere  string     `gorm:"type:text"`
		PublishedAt *time.Time `gorm:"index"`
		LastDay     string     `gorm:"size:10"`
		Deadline    *time.Time `gorm:"index"`
		CorrectsID  *uint64    `gorm:"index"`
		SHA256      string     `gorm:"column:sha256;size:64"`
		CreatedBy   string     `gorm:"size:254"`
		Demo        bool
		CreatedAt   time.Time
		ConcludedAt *time.Time
	}
	type noticeInstitution struct {
		ID            uint64 `gorm:"primaryKey"`
		NoticeID      uint64 `gorm:"index"`
		InstitutionID uint64 `gorm:"index"`
		USCC          string `gorm:"column:uscc;size:18"`
		Name          string `gorm:"size:200"`
		Brand         string `gorm:"size:200"`
		District      string `gorm:"size:100"`
		Outcome       string `gorm:"size:32"`
		OutcomeNote   string `gorm:"type:text"`
		OutcomeAt     *time.Time
	}
	type outboxEntry struct {
		ID        uint64 `gorm:"primaryKey"`
		Entity    string `gorm:"size:16"`
		EntityID  uint64
		CreatedAt time.Time `gorm:"index"`
	}
	tables := []struct {
		name  string
		model any
	}{
		{"users", &user{}}, {"sessions", &session{}}, {"api_tokens", &apiToken{}},
		{"login_attempts", &loginAttempt{}}, {"institutions", &institution{}},
		{"decisions", &decision{}}, {"disposition_changes", &dispositionChange{}},
		{"disclosures", &disclosure{}}, {"monthly_figures", &monthlyFigures{}},
		{"tranches", &tranche{}}, {"attachments", &attachment{}}, {"notices", &notice{}},
		{"notice_institutions", &noticeInstitution{}}, {"outbox", &outboxEntry{}},
	}
	for _, t := range tables {
		if err := tx.Table(t.name).Migrator().CreateTable(t.model); err != nil {
			return fmt.Errorf("create %s: %w", t.name, err)
		}
	}
	return nil
}

// migrateDisclosureKinds adds the index behind an institution page's flags and plan: its monthly
// filings (kind, first version: their periods and dates) and its plans (kind: their chains) are read
// from the index alone, without a visit to each row (an institution of 20,000 disclosures read all
// of them, bodies and all, twice per uncached page).
func migrateDisclosureKinds(tx *gorm.DB) error {
	return tx.Exec("CREATE INDEX idx_disclosures_institution_kind ON disclosures (institution_id, kind, version, period, published_at, root_id)").Error
}

// migrateDisclosureListing adds the index on amends that the current-version anti-join reads (the
// model declared it; no step had created it), and one on (institution_id, published_at) so an
// institution's disclosures come newest first without a sort of all of them.
func migrateDisclosureListing(tx *gorm.DB) error {
	for _, stmt := range []string{
		"CREATE INDEX idx_disclosures_amends ON disclosures (amends)",
		"CREATE INDEX idx_disclosures_institution_published ON disclosures (institution_id, published_at)",
	} {
		if err := tx.Exec(stmt).Error; err != nil {
			return err
		}
	}
	return nil
}
