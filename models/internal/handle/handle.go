// Package handle hands the Store's GORM handle from models to models/dbtest, the test support that
// sets up and inspects rows no Store method writes or reads (a tampered row, a counted query, an
// EXPLAIN). Go's internal rule keeps it from every package outside models, so the handle is not part
// of models' surface: the portal's every query is a Store method.
package handle

import (
	"context"

	"gorm.io/gorm"
)

// DB returns the GORM handle of store (a *models.Store) bound to ctx; models sets it when it loads.
var DB func(store any, ctx context.Context) *gorm.DB

// Tx runs fn in one transaction of store (a *models.Store), as the Store's own writes do (audit
// entry, deadlock retries included); models sets it when it loads.
var Tx func(store any, ctx context.Context, fn func(tx *gorm.DB) error) error
