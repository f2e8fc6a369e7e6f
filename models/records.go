package models

import "time"

// User is an account: an admin, an office of one province, or the filer of one institution.
type User struct {
	ID              uint64 `gorm:"primaryKey"`
	Email           string `gorm:"size:254;uniqueIndex"`
	PasswordHash    string `gorm:"size:255"`
	Role            string `gorm:"size:16"`
	Province        string `gorm:"size:6"`
	InstitutionUSCC string `gorm:"column:institution_uscc;size:18"`
	CreatedAt       time.Time
	// DisabledAt is when an admin disabled the account: it cannot log in, and its sessions and
	// tokens no longer work (nil while enabled).
	DisabledAt *time.Time
	// TOTPSecret is the sealed secret of the account's confirmed authenticator ("" when none);
	// TOTPPending the sealed secret of an enrolment not yet confirmed by a first code.
	TOTPSecret  string `gorm:"column:totp_secret;size:255;not null;default:''" json:"-"`
	TOTPPending string `gorm:"column:totp_pending;size:255;not null;default:''" json:"-"`
	// TOTPEnabledAt is when the second factor was confirmed: from then on a login needs a code.
	TOTPEnabledAt *time.Time `gorm:"column:totp_enabled_at"`
	// TOTPLastStep is the time step (Unix time / 30 s) of the last code accepted, so that a code
	// is never accepted twice.
	TOTPLastStep int64 `gorm:"column:totp_last_step;not null;default:0" json:"-"`
	// TokenProvince is, for a request made with a province-limited API token, the province the
	// request may touch ("" for a session or an unlimited token). It is not stored with the user.
	TokenProvince string `gorm:"-" json:"-"`
}

// Session is a browser login; the cookie holds a random token and the row only its SHA-256.
type Session struct {
	ID        string `gorm:"primaryKey;size:64"`
	UserID    uint64 `gorm:"index"`
	ExpiresAt time.Time
	CreatedAt time.Time
}

// APIToken is a bearer token for the write API, stored as its SHA-256.
type APIToken struct {
	ID         uint64 `gorm:"primaryKey"`
	UserID     uint64 `gorm:"index"`
	Hash       string `gorm:"size:64;uniqueIndex"`
	CreatedAt  time.Time
	LastUsedAt *time.Time
	// RevokedAt is when the token was revoked or rotated; a revoked token is refused (nil while valid).
	RevokedAt *time.Time
	// ReadOnly tokens read and never write (every API write is refused with 403).
	ReadOnly bool `gorm:"not null;default:false"`
	// Province limits the token to one province's records (a national admin's token to one
	// province, an office's to its own); "" is the account's whole scope.
	Province string `gorm:"size:6;not null;default:''"`
	// ExpiresAt is when the token stops working (nil: until revoked).
	ExpiresAt *time.Time
}

// LoginAttempt counts failed logins per key (an account and client address pair, or an address) so
// that guessing is throttled across every process that shares the database (see LoginDelay).
type LoginAttempt struct {
	Key         string    `gorm:"primaryKey;size:300"`
	Failures    int       // failures counted since WindowStart
	WindowStart time.Time // the first failure counted
	LockedUntil time.Time // no attempt is checked before this; the last failure when there is no wait
}

// Institution is one online-lending institution on a province's list (名单制管理).
type Institution struct {
	ID                uint64    `gorm:"primaryKey" json:"-"`
	USCC              string    `gorm:"column:uscc;size:18;uniqueIndex" json:"uscc"`
	Name              string    `gorm:"size:200;index" json:"name"`
	SortKey           string    `gorm:"size:190;index;not null;default:''" json:"-"` // see SortKey
	Brands            []string  `gorm:"serializer:json;type:text" json:"brands"`
	FormerNames       []string  `gorm:"serializer:json;type:text" json:"former_names"`
	Websites          []string  `gorm:"serializer:json;type:text" json:"websites"`
	Apps              []string  `gorm:"serializer:json;type:text" json:"apps"`
	Province          string    `gorm:"size:6;index" json:"province"`
	District          string    `gorm:"size:100" json:"district"`
	DepositoryBank    string    `gorm:"size:200" json:"depository_bank"`
	RegisteredAddress string    `gorm:"size:300" json:"registered_address"`
	Class             string    `gorm:"size:20;index" json:"class"`
	ClassSince        time.Time `json:"class_since"`
	Disposition       string    `gorm:"size:24;index" json:"disposition"`
	Demo              bool      `json:"demo"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
}

// Decision is one append-only change of an institution's class (§2): who, when, from, to, why.
type Decision struct {
	ID            uint64   `gorm:"primaryKey" json:"-"`
	InstitutionID uint64   `gorm:"index" json:"-"`
	FromClass     string   `gorm:"size:20" json:"from"`
	ToClass       string   `gorm:"size:20" json:"to"`
	Reason        string   `gorm:"type:text" json:"reason"`
	Criteria      []string `gorm:"serializer:json;type:text" json:"criteria"`
	// Office is the office that decided, published as decided_by.
	Office Office `gorm:"column:decided_office;size:6" json:"decided_by"`
	// DecidedBy is the account that recorded the decision: internal, never published.
	DecidedBy string    `gorm:"size:254" json:"-"`
	DecidedAt time.Time `json:"decided_at"`
}

// DispositionChange is one append-only move of an institution's disposition.
type DispositionChange struct {
	ID            uint64 `gorm:"primaryKey" json:"-"`
	InstitutionID uint64 `gorm:"index" json:"-"`
	FromState     string `gorm:"size:24" json:"from"`
	ToState       string `gorm:"size:24" json:"to"`
	Reason        string `gorm:"type:text" json:"reason"`
	// Office is the office that decided, published as decided_by.
	Office Office `gorm:"column:decided_office;size:6" json:"decided_by"`
	// DecidedBy is the account that recorded the move: internal, never published.
	DecidedBy string    `gorm:"size:254" json:"-"`
	DecidedAt time.Time `json:"decided_at"`
}

// Disclosure is one published version of something an institution discloses. Versions of the same
// disclosure share RootID; a published row is never updated, a correction is a new row that Amends it.
type Disclosure struct {
	ID            uint64          `gorm:"primaryKey"`
	InstitutionID uint64          `gorm:"index;index:idx_disclosures_institution_published,priority:1;index:idx_disclosures_institution_kind,priority:1"`
	USCC          string          `gorm:"column:uscc;size:18;index"`
	Kind          string          `gorm:"size:24;index;index:idx_disclosures_institution_kind,priority:2"`
	Title         string          `gorm:"size:300"`
	Period        string          `gorm:"size:7;index;index:idx_disclosures_institution_kind,priority:4"`
	Body          string          `gorm:"type:mediumtext"`
	Version       int             `gorm:"default:1;index:idx_disclosures_institution_kind,priority:3"`
	RootID        uint64          `gorm:"index;index:idx_disclosures_institution_kind,priority:6"`
	Amends        *uint64         `gorm:"index"`
	AmendReason   string          `gorm:"type:text"`
	EventType     string          `gorm:"size:32"`
	EventAt       *time.Time      `gorm:""`
	BaseFen       *int64          `gorm:""`      // a plan in shares: the amount (fen) its shares apply to
	PlanID        *uint64         `gorm:"index"` // a progress report: the root id of the plan it reports on
	DueAt         *time.Time      `gorm:""`
	LateDays      int             `gorm:""`
	PublishedAt   time.Time       `gorm:"index;index:idx_disclosures_institution_published,priority:2;index:idx_disclosures_institution_kind,priority:5"`
	FiledBy       string          `gorm:"size:254"`
	SHA256        string          `gorm:"column:sha256;size:64"`
	Demo          bool            `gorm:""`
	Figures       *MonthlyFigures `gorm:"foreignKey:DisclosureID"`
	Tranches      []Tranche       `gorm:"foreignKey:DisclosureID"`
	Attachments   []Attachment    `gorm:"foreignKey:DisclosureID"`
}

// MonthlyFigures are the operating data of one month as filed in a monthly_data disclosure.
// Money is integer fen, counts are integers; shares are derived from numerators and denominators.
type MonthlyFigures struct {
	DisclosureID          uint64 `gorm:"primaryKey;autoIncrement:false" json:"-"`
	InstitutionID         uint64 `gorm:"index:idx_figures_period,priority:1" json:"-"`
	Period                string `gorm:"size:7;index:idx_figures_period,priority:2" json:"-"`
	CumLendingAmount      int64  `json:"cum_lending_amount"`
	CumLendingCount       int64  `json:"cum_lending_count"`
	OutstandingAmount     int64  `json:"outstanding_amount"`
	OutstandingCount      int64  `json:"outstanding_count"`
	OutstandingInterest   int64  `json:"outstanding_interest"`
	CumLenders            int64  `json:"cum_lenders"`
	CumBorrowers          int64  `json:"cum_borrowers"`
	Lenders               int64  `json:"lenders"`
	Borrowers             int64  `json:"borrowers"`
	NewBusinessAmount     int64  `json:"new_business_amount"`
	Top10Amount           int64  `json:"top10_amount"`
	LargestAmount         int64  `json:"largest_amount"`
	RelatedAmount         int64  `json:"related_amount"`
	RelatedCount          int64  `json:"related_count"`
	OverdueAmount         int64  `json:"overdue_amount"`
	OverdueCount          int64  `json:"overdue_count"`
	Overdue90Amount       int64  `gorm:"column:overdue90_amount" json:"overdue90_amount"`
	Overdue90Count        int64  `gorm:"column:overdue90_count" json:"overdue90_count"`
	CumCompensationAmount int64  `json:"cum_compensation_amount"`
	CumCompensationCount  int64  `json:"cum_compensation_count"`
}

// Tranche is one instalment of a repayment plan, or one payment reported as progress.
type Tranche struct {
	ID           uint64 `gorm:"primaryKey" json:"-"`
	DisclosureID uint64 `gorm:"index" json:"-"`
	Seq          int    `json:"seq"`
	Date         string `gorm:"size:10" json:"date"`
	AmountFen    int64  `json:"amount"`
	ShareBP      int    `gorm:"column:share_bp" json:"share_bp"`
}

// Attachment is a file stored in the blob store and named by a disclosure or a notice.
type Attachment struct {
	ID           uint64  `gorm:"primaryKey"`
	DisclosureID *uint64 `gorm:"index"`
	NoticeID     *uint64 `gorm:"index"`
	ClaimID      *uint64 `gorm:"index"` // evidence of an investor's claim: never public
	Name         string  `gorm:"size:255"`
	ContentType  string  `gorm:"size:100"`
	Size         int64   `gorm:""`
	SHA256       string  `gorm:"column:sha256;size:64;index"`
	BlobKey      string  `gorm:"size:100;uniqueIndex"`
	Text         string  `gorm:"type:mediumtext"`
	// FileKey is the file's own encryption key sealed by the portal's key (Sealer, purpose
	// FileKeyPurpose) when the blob holds the file encrypted (claim evidence); empty for a blob
	// stored as is (public attachments). Size and SHA256 are those of the file, not of the blob.
	FileKey   string    `gorm:"type:text"`
	CreatedAt time.Time `gorm:""`
}

// Notice is a statutory notice of an office: a zombie list with a claim window, an exit supervision
// notice, a transfer, a general notice or a correction. Once published nothing of it changes.
// Stored is the last transition written (draft; open or published; expired; concluded), updated
// conditionally so that each transition happens once across processes and is announced once in the
// outbox; nothing reads it to tell where a notice stands: that is Status(now).
type Notice struct {
	ID          uint64       `gorm:"primaryKey"`
	Number      *string      `gorm:"size:80;uniqueIndex"`
	Kind        NoticeKind   `gorm:"size:24;index"`
	Province    string       `gorm:"size:6;index"`
	Offices     []string     `gorm:"serializer:json;type:text"`
	Batch       string       `gorm:"size:100"`
	Title       string       `gorm:"size:300"`
	Body        string       `gorm:"type:mediumtext"`
	Stored      NoticeStatus `gorm:"column:status;size:12;index:idx_notices_status"` // the last transition written; see Notice.Status
	WindowDays  int          `gorm:""`
	WindowUnit  string       `gorm:"size:10"`
	ClaimWhere  string       `gorm:"type:text"`
	PublishedAt *time.Time   `gorm:"index"`
	LastDay     string       `gorm:"size:10"`
	Deadline    *time.Time   `gorm:"index"`
	CorrectsID  *uint64      `gorm:"index"`
	SHA256      string       `gorm:"column:sha256;size:64"`
	// CalendarYears and CalendarSHA256 name the official calendar the deadline was computed on
	// (Calendar.YearsText and Calendar.SHA256); empty for notices published before they were kept.
	CalendarYears  string              `gorm:"size:100"`
	CalendarSHA256 string              `gorm:"column:calendar_sha256;size:64"`
	CreatedBy      string              `gorm:"size:254"`
	Demo           bool                `gorm:""`
	CreatedAt      time.Time           `gorm:""`
	ConcludedAt    *time.Time          `gorm:""`
	Institutions   []NoticeInstitution `gorm:"foreignKey:NoticeID"`
	Attachments    []Attachment        `gorm:"foreignKey:NoticeID"`
}

// NoticeInstitution is one institution listed on a notice, with the outcome the office records after
// the window.
type NoticeInstitution struct {
	ID            uint64     `gorm:"primaryKey"`
	NoticeID      uint64     `gorm:"index"`
	InstitutionID uint64     `gorm:"index"`
	USCC          string     `gorm:"column:uscc;size:18"`
	Name          string     `gorm:"size:200"`
	Brand         string     `gorm:"size:200"`
	District      string     `gorm:"size:100"`
	Outcome       string     `gorm:"size:32"`
	OutcomeNote   string     `gorm:"type:text"`
	OutcomeAt     *time.Time `gorm:""`
}

// OutboxEntry records that a searchable record changed; the indexer applies entries in ID order and
// keeps its cursor inside the index.
type OutboxEntry struct {
	ID        uint64    `gorm:"primaryKey"`
	Entity    string    `gorm:"size:16"`
	EntityID  uint64    `gorm:""`
	CreatedAt time.Time `gorm:"index"`
}

// TableName keeps the outbox table's name short and stable.
func (OutboxEntry) TableName() string { return "outbox" }
