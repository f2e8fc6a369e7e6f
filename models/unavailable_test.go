package models_test

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"

	"pilu/models"
)

func TestUnavailable(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	cases := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{models.ErrNotFound, false},
		{models.ErrConflict, false},
		{errors.New("Error 1146: table doesn't exist"), false},
		{models.Invalid("name", models.CodeRequired), false},
		{fmt.Errorf("models: load notice 4: %w", refused), true},
		{fmt.Errorf("x: %w", driver.ErrBadConn), true},
		{syscall.ECONNRESET, true},
	}
	for _, c := range cases {
		if got := models.Unavailable(c.err); got != c.want {
			t.Errorf("Unavailable(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
