package dbtest

import (
	"context"

	"gorm.io/gorm"

	"pilu/models"
	"pilu/models/internal/handle"
)

// Handle returns st's GORM handle bound to ctx, for a test that sets up or inspects rows no Store
// method writes or reads: a row tampered with behind the portal's back, a query counted or
// explained, a fixture of thousands of rows. The portal itself has no such handle; its every query
// is a Store method.
func Handle(ctx context.Context, st *models.Store) *gorm.DB { return handle.DB(st, ctx) }

// Transact runs fn in one transaction of st, the way the Store's own writes run theirs (the audit
// entry ctx carries is appended before it commits).
func Transact(ctx context.Context, st *models.Store, fn func(tx *gorm.DB) error) error {
	return handle.Tx(st, ctx, fn)
}
