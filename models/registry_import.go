package models

import (
	"context"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
)

// ImportRow is one institution read from an import file, with the row number people see in it.
type ImportRow struct {
	Row         int
	Institution NewInstitution
}

// ImportProblem is why one cell (or a whole row, Column "") cannot be imported.
type ImportProblem struct {
	Row    int    `json:"row"`
	Column string `json:"column"`
	Code   string `json:"code"` // why, one of Codes, with Args like a FieldError's
	Args   Args   `json:"args,omitempty"`
	Reason string `json:"reason"`          // Code in English, filled in from the catalog by who shows the report
	Value  string `json:"value,omitempty"` // the cell as read, for the USCC
}

// ImportReport says what an import did, row by row where something was wrong.
type ImportReport struct {
	Rows      int             `json:"rows"`
	Created   int             `json:"created"`
	Updated   int             `json:"updated"`
	Unchanged int             `json:"unchanged"`
	Skipped   int             `json:"skipped"`
	Imported  bool            `json:"imported"` // false: nothing was written
	Problems  []ImportProblem `json:"problems"`
}

// ImportOptions adjust an import.
type ImportOptions struct {
	SkipInvalid bool // import the valid rows even when others are invalid
	Actor       string
	Now         time.Time
	Progress    func(done, total int64) // called as rows are written; may be nil
}

// importBatch is how many rows one transaction writes.
const importBatch = 1000

// ImportInstitutions checks every row (fields, duplicates inside the file, codes on another
// province's list) and, when none is invalid or opt.SkipInvalid is set, creates the new institutions
// and updates the changed ones of province, idempotently by USCC: importing the same file twice
// changes nothing the second time. Rows are written in batches, each in one transaction with its
// outbox rows. A legal name that changes keeps the old one as a former name.
func (s *Store) ImportInstitutions(ctx context.Context, province string, rows []ImportRow, opt ImportOptions) (ImportReport, error) {
	rep := ImportReport{Rows: len(rows), Problems: []ImportProblem{}}
	valid := make([]ImportRow, 0, len(rows))
	firstRow := map[string]int{}
	for _, r := range rows {
		r.Institution.Province = province
		ni, _, fe := CheckInstitution(r.Institution)
		for _, e := range fe.List() {
			rep.Problems = append(rep.Problems, ImportProblem{Row: r.Row, Column: e.Field, Code: e.Code, Args: e.Args, Value: r.Institution.USCC})
		}
		if fe != nil {
			continue
		}
		if first, dup := firstRow[ni.USCC]; dup {
			rep.Problems = append(rep.Problems, ImportProblem{Row: r.Row, Column: "uscc", Code: CodeImportDuplicate, Args: Args{"row": first}})
			continue
		}
		firstRow[ni.USCC] = r.Row
		valid = append(valid, ImportRow{Row: r.Row, Institution: ni})
	}
	existing := map[string]Institution{}
	for start := 0; start < len(valid); start += factsChunk {
		codes := make([]string, 0, factsChunk)
		for _, r := range valid[start:min(start+factsChunk, len(valid))] {
			codes = append(codes, r.Institution.USCC)
		}
		var found []Institution
		if err := s.db.WithContext(ctx).Where("uscc IN ?", codes).Find(&found).Error; err != nil {
			return rep, notFound(err, "import: look up codes")
		}
		for _, in := range found {
			existing[in.USCC] = in
		}
	}
	kept := valid[:0]
	for _, r := range valid {
		if in, ok := existing[r.Institution.USCC]; ok && in.Province != province {
			rep.Problems = append(rep.Problems, ImportProblem{Row: r.Row, Column: "uscc", Code: CodeImportOtherList, Args: Args{"province": in.Province}})
			continue
		}
		kept = append(kept, r)
	}
	slices.SortStableFunc(rep.Problems, func(a, b ImportProblem) int { return a.Row - b.Row })
	if len(rep.Problems) > 0 && !opt.SkipInvalid {
		return rep, nil
	}
	rep.Skipped = len(rows) - len(kept)
	AuditDetailOf(ctx, fmt.Sprintf("province %s: %d rows, %d skipped as invalid", province, len(kept), rep.Skipped))
	for start := 0; start < len(kept); start += importBatch {
		batch := kept[start:min(start+importBatch, len(kept))]
		var created, updated, unchanged int
		err := s.transact(ctx, func(tx *gorm.DB) error {
			var news []Institution
			var changed []uint64
			created, updated, unchanged = 0, 0, 0
			for _, r := range batch {
				ni := r.Institution
				old, ok := existing[ni.USCC]
				if !ok {
					news = append(news, Institution{USCC: ni.USCC, Name: ni.Name, Province: province, District: ni.District,
						DepositoryBank: ni.DepositoryBank, RegisteredAddress: ni.RegisteredAddress, Brands: ni.Brands,
						FormerNames: ni.FormerNames, Websites: ni.Websites, Apps: ni.Apps, Class: "unclassified",
						ClassSince: opt.Now, Disposition: "operating", CreatedAt: opt.Now, UpdatedAt: opt.Now})
					continue
				}
				up, diff := mergeImported(old, ni)
				if !diff {
					unchanged++
					continue
				}
				up.UpdatedAt = opt.Now
				if err := tx.Select("name", "sort_key", "district", "depository_bank", "registered_address",
					"brands", "former_names", "websites", "apps", "updated_at").Updates(&up).Error; err != nil {
					return err
				}
				changed = append(changed, up.ID)
			}
			if len(news) > 0 {
				if err := tx.CreateInBatches(news, 200).Error; err != nil {
					return err
				}
			}
			entries := make([]OutboxEntry, 0, len(news)+len(changed))
			for _, in := range news {
				entries = append(entries, OutboxEntry{Entity: "institution", EntityID: in.ID})
			}
			for _, id := range changed {
				entries = append(entries, OutboxEntry{Entity: "institution", EntityID: id})
			}
			if len(entries) > 0 {
				if err := tx.CreateInBatches(entries, 500).Error; err != nil {
					return err
				}
			}
			created, updated = len(news), len(changed)
			return nil
		})
		if err != nil {
			return rep, notFound(err, "import institutions")
		}
		rep.Created, rep.Updated, rep.Unchanged = rep.Created+created, rep.Updated+updated, rep.Unchanged+unchanged
		rep.Imported = true
		if opt.Progress != nil {
			opt.Progress(int64(start+len(batch)), int64(len(kept)))
		}
	}
	return rep, nil
}

// mergeImported applies an imported row to a stored institution and reports whether anything changed.
// Lists the file leaves empty keep what is stored; a new legal name moves the old one to the former names.
func mergeImported(old Institution, ni NewInstitution) (Institution, bool) {
	up := old
	up.Name, up.District, up.DepositoryBank, up.RegisteredAddress = ni.Name, ni.District, ni.DepositoryBank, ni.RegisteredAddress
	for _, p := range []struct {
		dst *[]string
		src []string
	}{{&up.Brands, ni.Brands}, {&up.Websites, ni.Websites}, {&up.Apps, ni.Apps}} {
		if len(p.src) > 0 {
			*p.dst = p.src
		}
	}
	former := slices.Clone(old.FormerNames)
	for _, n := range ni.FormerNames {
		if !slices.Contains(former, n) {
			former = append(former, n)
		}
	}
	if ni.Name != old.Name && !slices.Contains(former, old.Name) {
		former = append(former, old.Name)
	}
	up.FormerNames = slices.DeleteFunc(former, func(n string) bool { return n == ni.Name })
	same := up.Name == old.Name && up.District == old.District && up.DepositoryBank == old.DepositoryBank &&
		up.RegisteredAddress == old.RegisteredAddress && slices.Equal(up.Brands, old.Brands) &&
		slices.Equal(up.Websites, old.Websites) && slices.Equal(up.Apps, old.Apps) && slices.Equal(up.FormerNames, old.FormerNames)
	return up, !same
}
