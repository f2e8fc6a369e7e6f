package app

import "io"

// cliMain is cli.Main, the pilu command line, for the tests of app whose fixtures take a command
// (backup, verify, import, claims purge…). Package cli imports app, so app's own test files cannot
// import it: cli_main_test.go, a file of the external test package app_test, sets it at start-up.
var cliMain func(args []string, stdout, stderr io.Writer) int

// SetCLIMain sets cliMain; only the test binary of app has it.
func SetCLIMain(main func(args []string, stdout, stderr io.Writer) int) { cliMain = main }
