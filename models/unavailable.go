package models

import (
	"database/sql/driver"
	"errors"
	"net"
	"syscall"

	mysqldrv "github.com/go-sql-driver/mysql"
)

// Unavailable reports whether err means the database could not be reached (the server is down,
// restarting or cut off), as opposed to a query that failed: the portal answers 503 with Retry-After
// then, and database/sql reconnects by itself once the server is back.
func Unavailable(err error) bool {
	var op *net.OpError
	return err != nil && (errors.As(err, &op) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysqldrv.ErrInvalidConn) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE))
}
