// Package cli is the pilu command line: Main reads the command and its flags (serve, migrate,
// reindex, gen, users, import, calendar, verify, claims, export, backup, restore, keys, version)
// and returns the exit status: 0 success, 1 failure (one readable line on stderr, app.ErrorLine),
// 2 bad usage (app.UsageError, with the usage text).
//
// A command parses its flags, opens what it needs from the configuration (app.LoadConfig; the
// database through models, the blob store through app.OpenBlobs) and calls the code that does the
// work, in models, app (ExportAll, VerifyLedger, RotateKeys, PurgeClaims, Reindex) or app/demo
// (Generate). Writes a command makes are audited under the command's name (cliAudit). The portal
// never imports this package; main does, and app's tests reach Main through their test binary.
//
// To add a command: a runX function in a file named after it (x_command.go), a case in Main, a
// line in usage, and the README's table of commands.
package cli
