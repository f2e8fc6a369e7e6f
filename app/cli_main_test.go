package app_test

import (
	"pilu/app"
	"pilu/app/cli"
)

// The commands that app's tests run are the real command line (see cliMain).
func init() { app.SetCLIMain(cli.Main) }
