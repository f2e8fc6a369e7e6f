package models

// The codes of FieldError and Refusal: why an input or an action is refused. A code is stable (API
// clients read it); its text, in each language, is "problem.<code>" in the message catalogs
// (templates/i18n/{zh,en}/messages.json), naming the arguments the code's callers give. The codes of
// the figure rules are their FigureRule.Code. To add a code: a constant here, in Codes, and its text
// in both catalogs (a test checks each).
const (
	// Accounts, tokens and the second factor.
	CodeTokenInstitution = "token_institution"     // an institution's token is limited to its institution already
	CodeTokenOwnProvince = "token_own_province"    // an office's token may be limited to its own province only
	CodeFactorSet        = "second_factor_set"     // a second factor is set up already
	CodeFactorChanged    = "second_factor_changed" // the enrolment changed meanwhile
	CodeNoFactor         = "no_second_factor"      // no second factor is set up
	CodeAccessReason     = "access_reason"         // a reveal or full export of claimants' data without a reason of at least 4 characters

	// Any field.
	CodeRequired       = "required"         // empty
	CodeRequiredMax    = "required_max"     // empty or longer than max characters
	CodeTooLong        = "too_long"         // longer than max characters
	CodeTooManyEntries = "too_many_entries" // more than max entries in a list
	CodeEntryTooLong   = "entry_too_long"   // an entry of a list longer than max characters
	CodeOneOf          = "one_of"           // not one of values (labelled from vocabulary)
	CodeNotUTF8        = "not_utf8"
	CodeNotNegative    = "not_negative" // also the figure rule of every figure
	CodePositive       = "positive"
	CodePositiveInt    = "positive_int"
	CodeWholeFrom1     = "whole_from_1"
	CodeWholeNumber    = "whole_number" // a JSON number with a fraction, an exponent or -0
	CodeJSONType       = "json_type"    // a JSON value of the wrong type (type)
	CodeDate           = "date"         // not a day written YYYY-MM-DD
	CodeDateBeforeFrom = "date_before_from"
	CodeDateTime       = "date_time" // not a date and time
	CodeInFuture       = "in_future"
	CodeNotFuture      = "not_future" // a time that must lie ahead does not
	CodeMonth          = "month"      // not a month written YYYY-MM
	CodeMonthNotEnded  = "month_not_ended"
	CodeNotProvince    = "not_province" // not a GB/T 2260 province code or plan city
	CodeNotEmail       = "not_email"
	CodePhone          = "phone"
	CodeYuan           = "yuan"    // not an amount of yuan with at most two decimals
	CodeFen            = "fen"     // not a whole number of fen
	CodePercent        = "percent" // not a percentage with at most two decimals
	CodeUSCC           = "uscc"    // not a credit code: reason, reason_zh
	CodeResidentID     = "resident_id"
	CodeSHA256         = "sha256"
	CodeCursor         = "cursor"
	CodeSeq            = "seq"
	CodeLimit          = "limit" // a page size from 1 to max

	// Files and uploads.
	CodeChooseFile   = "choose_file"
	CodeFileName     = "file_name"
	CodeFileEmpty    = "file_empty" // name (may be "")
	CodeFileTooLarge = "file_too_large"
	CodeTooManyFiles = "too_many_files"
	CodeFilesPart    = "files_part"

	// Accounts.
	CodeAdminUnbound       = "admin_unbound"
	CodeUnknownInstitution = "unknown_institution"
	CodeDisableSelf        = "disable_self"
	CodeAlreadyDisabled    = "already_disabled"
	CodeAlreadyEnabled     = "already_enabled"
	CodeAccountDisabled    = "account_disabled"
	CodeTokenRevoked       = "token_revoked"

	// Institutions, classes and dispositions.
	CodeKeptElsewhere     = "kept_elsewhere" // registered in division, kept by the office of keeper
	CodeSampleRow         = "sample_row"
	CodeSameClass         = "same_class"
	CodeSameDisposition   = "same_disposition"
	CodeFinalDisposition  = "final_disposition"
	CodeDispositionMove   = "disposition_move"
	CodeImportDuplicate   = "import_duplicate"  // the same code as row
	CodeImportOtherList   = "import_other_list" // already on the list of province
	CodeSuggestionDecided = "suggestion_decided"

	// Disclosures.
	CodeAmendReason          = "amend_reason"
	CodeAmendKeepsKind       = "amend_keeps_kind"
	CodeAmendKeepsPeriod     = "amend_keeps_period"
	CodeAlreadyAmended       = "already_amended"
	CodeFiguresFiled         = "figures_filed"
	CodeFiguresRequired      = "figures_required"
	CodeFigureValue          = "figure_value"
	CodeUnknownFigure        = "unknown_figure"
	CodeEventAtRequired      = "event_at_required"
	CodeEventTypeOnlyMajor   = "event_type_only_major"
	CodeTranchesNotAllowed   = "tranches_not_allowed"
	CodeTranchesRequired     = "tranches_required"
	CodeTooManyTranches      = "too_many_tranches"
	CodePaymentInFuture      = "payment_in_future"
	CodeShareBP              = "share_bp"
	CodeAmountOrShare        = "amount_or_share"
	CodeSharesOver100        = "shares_over_100"
	CodeBaseRequired         = "base_required"
	CodeBaseNotAllowed       = "base_not_allowed"
	CodeTranchesOverBase     = "tranches_over_base"
	CodePlanOnlyProgress     = "plan_only_progress"
	CodeNotOwnPlan           = "not_own_plan"
	CodePlanID               = "plan_id"
	CodeMetaRequired         = "meta_required"
	CodeMetaMalformed        = "meta_malformed"
	CodeKeepRenamed          = "keep_renamed"
	CodeReasonOnlyAmend      = "reason_only_amend"
	CodeKeepOnlyAmend        = "keep_only_amend"
	CodeNotAmendedAttachment = "not_amended_attachment"

	// Notices, claims and outcomes.
	CodeBodyRequired             = "body_required"
	CodeUnknownOffice            = "unknown_office"
	CodeWindowRequired           = "window_required"
	CodeWindowNotAllowed         = "window_not_allowed"
	CodeWindowDays               = "window_days"
	CodeWindowUnit               = "window_unit"
	CodeZombieListEmpty          = "zombie_list_empty"
	CodeCorrectsRequired         = "corrects_required"
	CodeCorrectsMismatch         = "corrects_mismatch"
	CodeListedTwice              = "listed_twice"
	CodeNotListed                = "not_listed"
	CodeRegisteredAs             = "registered_as"
	CodeOtherProvince            = "other_province"
	CodeNoSuchNotice             = "no_such_notice"
	CodeNoticeOtherProvince      = "notice_other_province"
	CodeNoticePublished          = "notice_published"
	CodeNoticePublishedMeanwhile = "notice_published_meanwhile"
	CodeNoticeAlreadyPublished   = "notice_already_published"
	CodeNoticeNeverChanges       = "notice_never_changes"
	CodeClaimantName             = "claimant_name"
	CodeMaxClaimAmount           = "max_claim_amount"
	CodeNotOnNotice              = "not_on_notice"
	CodeRejectionReason          = "rejection_reason"
	CodeOutcomeTooEarly          = "outcome_too_early"
	CodeOutcomeRecorded          = "outcome_recorded"
	CodeClaimsStand              = "claims_stand"
	CodeNoClaimStands            = "no_claim_stands"
	CodeUSCCParam                = "uscc_param"

	// The holiday calendar.
	CodeCalendarNotLoaded       = "calendar_not_loaded"
	CodeCalendarUnavailable     = "calendar_unavailable"
	CodeCalendarLoaded          = "calendar_loaded"
	CodeCalendarLoadedMeanwhile = "calendar_loaded_meanwhile"
	CodeCalendarChangesOther    = "calendar_changes_other"
	CodeCalendarDisagrees       = "calendar_disagrees"
	CodeCalendarTooLarge        = "calendar_too_large"
	CodeCalendarNotJSON         = "calendar_not_json"
	CodeCalendarMalformed       = "calendar_malformed"
	CodeCalendarWrongType       = "calendar_wrong_type"
	CodeCalendarUnknownField    = "calendar_unknown_field"
	CodeCalendarTwoValues       = "calendar_two_values"
	CodeCalendarYear            = "calendar_year"
	CodeCalendarPlaceholder     = "calendar_placeholder"
	CodeCalendarNoPapers        = "calendar_no_papers"
	CodeCalendarPaper           = "calendar_paper"
	CodeCalendarNoDays          = "calendar_no_days"
	CodeCalendarDayDate         = "calendar_day_date"
	CodeCalendarDayYear         = "calendar_day_year"
	CodeCalendarDayTwice        = "calendar_day_twice"
	CodeCalendarDayOff          = "calendar_day_off"
	CodeCalendarDayName         = "calendar_day_name"
	CodeCalendarMakeUpDay       = "calendar_make_up_day"

	// Webhooks.
	CodeWebhookURL        = "webhook_url"        // not an absolute http(s) URL with a host and no user or fragment
	CodeWebhookUnresolved = "webhook_unresolved" // the host has no address: host
	CodeWebhookTarget     = "webhook_target"     // the host's address is not public (loopback, private…): address
	CodeWebhookLimit      = "webhook_limit"      // an account has max webhooks already

	// The ledger and backups.
	CodeLedgerMoved        = "ledger_moved"
	CodeAuditMoved         = "audit_moved" // the audit trail grew under an entry being appended: seq
	CodeRestoreNotEmpty    = "restore_not_empty"
	CodeRestoreSchemaAhead = "restore_schema_ahead"
)

// codes are the constants above, in their order (a test checks that every constant is here).
var codes = []string{
	CodeRequired, CodeRequiredMax, CodeTooLong, CodeTooManyEntries, CodeEntryTooLong, CodeOneOf, CodeNotUTF8,
	CodeNotNegative, CodePositive, CodePositiveInt, CodeWholeFrom1, CodeWholeNumber, CodeJSONType, CodeDate,
	CodeDateBeforeFrom, CodeDateTime, CodeInFuture, CodeMonth, CodeMonthNotEnded, CodeNotProvince, CodeNotEmail,
	CodePhone, CodeYuan, CodeFen, CodePercent, CodeUSCC, CodeResidentID, CodeSHA256, CodeCursor, CodeSeq, CodeLimit,
	CodeChooseFile, CodeFileName, CodeFileEmpty, CodeFileTooLarge, CodeTooManyFiles, CodeFilesPart,
	CodeAdminUnbound, CodeUnknownInstitution, CodeDisableSelf, CodeAlreadyDisabled, CodeAlreadyEnabled,
	CodeAccountDisabled, CodeTokenRevoked,
	CodeKeptElsewhere, CodeSampleRow, CodeSameClass, CodeSameDisposition, CodeFinalDisposition, CodeDispositionMove,
	CodeImportDuplicate, CodeImportOtherList, CodeSuggestionDecided,
	CodeAmendReason, CodeAmendKeepsKind, CodeAmendKeepsPeriod, CodeAlreadyAmended, CodeFiguresFiled,
	CodeFiguresRequired, CodeFigureValue, CodeUnknownFigure, CodeEventAtRequired, CodeEventTypeOnlyMajor,
	CodeTranchesNotAllowed, CodeTranchesRequired, CodeTooManyTranches, CodePaymentInFuture, CodeShareBP,
	CodeAmountOrShare, CodeSharesOver100, CodeBaseRequired, CodeBaseNotAllowed, CodeTranchesOverBase,
	CodePlanOnlyProgress, CodeNotOwnPlan, CodePlanID, CodeMetaRequired, CodeMetaMalformed, CodeKeepRenamed,
	CodeReasonOnlyAmend, CodeKeepOnlyAmend, CodeNotAmendedAttachment,
	CodeBodyRequired, CodeUnknownOffice, CodeWindowRequired, CodeWindowNotAllowed, CodeWindowDays, CodeWindowUnit,
	CodeZombieListEmpty, CodeCorrectsRequired, CodeCorrectsMismatch, CodeListedTwice, CodeNotListed,
	CodeRegisteredAs, CodeOtherProvince, CodeNoSuchNotice, CodeNoticeOtherProvince, CodeNoticePublished,
	CodeNoticePublishedMeanwhile, CodeNoticeAlreadyPublished, CodeNoticeNeverChanges, CodeClaimantName, CodeMaxClaimAmount,
	CodeNotOnNotice, CodeRejectionReason, CodeOutcomeTooEarly, CodeOutcomeRecorded, CodeClaimsStand,
	CodeNoClaimStands, CodeUSCCParam,
	CodeCalendarNotLoaded, CodeCalendarUnavailable, CodeCalendarLoaded, CodeCalendarLoadedMeanwhile,
	CodeCalendarChangesOther, CodeCalendarDisagrees, CodeCalendarTooLarge, CodeCalendarNotJSON,
	CodeCalendarMalformed, CodeCalendarWrongType, CodeCalendarUnknownField, CodeCalendarTwoValues,
	CodeCalendarYear, CodeCalendarPlaceholder, CodeCalendarNoPapers, CodeCalendarPaper, CodeCalendarNoDays,
	CodeCalendarDayDate, CodeCalendarDayYear, CodeCalendarDayTwice, CodeCalendarDayOff, CodeCalendarDayName,
	CodeCalendarMakeUpDay,
	CodeLedgerMoved, CodeAuditMoved, CodeNotFuture, CodeTokenInstitution, CodeTokenOwnProvince, CodeFactorSet,
	CodeFactorChanged, CodeNoFactor, CodeAccessReason, CodeRestoreNotEmpty, CodeRestoreSchemaAhead,
	CodeWebhookURL, CodeWebhookUnresolved, CodeWebhookTarget, CodeWebhookLimit,
}

// Codes lists every code a FieldError, a Refusal or an ImportProblem can carry: the constants above
// and the codes of the figure rules, each once.
func Codes() []string {
	out := append([]string(nil), codes...)
	seen := map[string]bool{}
	for _, c := range out {
		seen[c] = true
	}
	for _, r := range FigureRules {
		if !seen[r.Code] {
			seen[r.Code] = true
			out = append(out, r.Code)
		}
	}
	return out
}

// assignableClasses are the classes an office may decide: every class but "unclassified".
func assignableClasses() []string {
	var out []string
	for _, c := range Classes {
		if c != "unclassified" {
			out = append(out, c)
		}
	}
	return out
}
