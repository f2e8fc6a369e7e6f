package models

import "time"

// Suggestion is a class the rules of §2 suggest for an institution, waiting for the office: it is
// accepted (a Decision citing the rule) or dismissed with a reason; nothing is reclassified silently.
type Suggestion struct {
	ID            uint64     `gorm:"primaryKey" json:"id"`
	InstitutionID uint64     `gorm:"index" json:"-"`
	Province      string     `gorm:"size:6;index" json:"province"`
	Rule          string     `gorm:"size:32" json:"rule"`
	Class         string     `gorm:"size:20" json:"class"`
	Months        []string   `gorm:"serializer:json;type:text" json:"months"`
	LastMonth     string     `gorm:"size:7" json:"last_month"`
	Status        string     `gorm:"size:12;index" json:"status"` // pending, accepted, dismissed
	Reason        string     `gorm:"type:text" json:"reason,omitempty"`
	DecidedBy     string     `gorm:"size:254" json:"decided_by,omitempty"`
	DecidedAt     *time.Time `json:"decided_at,omitempty"`
	DecisionID    *uint64    `json:"decision_id,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
}

// Suggestion statuses.
const (
	SuggestionPending   = "pending"
	SuggestionAccepted  = "accepted"
	SuggestionDismissed = "dismissed"
)

// SmallThreshold is a province's setting of the small-institution rule (规模较小).
type SmallThreshold struct {
	Province       string    `gorm:"primaryKey;size:6"`
	OutstandingFen int64     `gorm:""`
	Lenders        int64     `gorm:""`
	SetBy          string    `gorm:"size:254"`
	UpdatedAt      time.Time `gorm:""`
}

// DecisionAttachment links a class decision to an evidence file in the attachments table.
type DecisionAttachment struct {
	DecisionID   uint64 `gorm:"primaryKey;autoIncrement:false"`
	AttachmentID uint64 `gorm:"primaryKey;autoIncrement:false"`
}
