package models

// LiveRecords lists every record type the program reads and writes through GORM, for the test that
// compares the migrated schema with what they declare.
var LiveRecords = []any{
	&User{}, &Session{}, &APIToken{}, &LoginAttempt{}, &Institution{}, &Decision{}, &DispositionChange{},
	&Disclosure{}, &MonthlyFigures{}, &Tranche{}, &Attachment{}, &Notice{}, &NoticeInstitution{},
	&OutboxEntry{}, &Claim{}, &ClaimRead{}, &Suggestion{}, &SmallThreshold{}, &DecisionAttachment{},
	&LedgerEntry{}, &ledgerHead{}, &ledgerAttachment{}, &CalendarYear{}, &lease{}, &databaseIdentity{},
	&RecoveryCode{}, &PendingLogin{}, &RolePolicy{},
}

// StatusQuery is statusQuery, for the test that checks it against Notice.Status.
var StatusQuery = statusQuery
