package cli

import (
	"bytes"
	"strings"
	"testing"

	"pilu/models/dbtest"
)

// runMain runs Main with args and returns its exit status, standard output and standard error.
func runMain(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(args, &out, &errb)
	return code, out.String(), errb.String()
}

// TestCommands runs each command as an operator would type it, on SQLite and MariaDB: exit status
// 0, 1 or 2, and what it prints.
func TestCommands(t *testing.T) {
	for _, db := range dbtest.DSNs(t) {
		t.Run(db.Name, func(t *testing.T) {
			t.Setenv("PILU_DATA_DIR", t.TempDir())
			t.Setenv("PILU_DB", db.DSN)
			if db.Name == "mysql" {
				t.Setenv("PILU_SECRET", strings.Repeat("s", 40))
			}
			cases := []struct {
				args []string
				code int
				out  string
			}{
				{[]string{"version"}, 0, "pilu "},
				{[]string{"help"}, 0, "usage: pilu"},
				{[]string{"--help"}, 0, "usage: pilu"},
				{[]string{"frobnicate"}, 2, "unknown command"},
				{[]string{"serve", "--addr", "nonsense"}, 1, "PILU_ADDR"},
				{[]string{"serve", "--no-such-flag"}, 2, "no-such-flag"},
				{[]string{"migrate"}, 0, "schema version "},
				{[]string{"migrate"}, 0, "applied 0 migration(s)"},
				{[]string{"users"}, 2, "only subcommand is add"},
				{[]string{"users", "add", "--role", "office"}, 2, "--email"},
				{[]string{"users", "add", "--role", "office", "--email", "gd@example.cn", "--province", "990000"}, 2, "province"},
				{[]string{"users", "add", "--role", "king", "--email", "k@example.cn"}, 2, "role"},
				{[]string{"users", "add", "--role", "office", "--email", "gd@example.cn", "--province", "440000"}, 0, "password: "},
				{[]string{"users", "add", "--role", "office", "--email", "gd@example.cn", "--province", "440000"}, 1, "conflict"},
				{[]string{"reindex"}, 0, "search index rebuilt"},
			}
			for _, c := range cases {
				code, out, errs := runMain(t, c.args...)
				if code != c.code || !strings.Contains(out+errs, c.out) {
					t.Errorf("pilu %s: exit %d (want %d), output %q", strings.Join(c.args, " "), code, c.code, out+errs)
				}
				if code == 1 && strings.Count(strings.TrimSpace(errs), "\n") > 0 {
					t.Errorf("pilu %s: a failure is one line on stderr, got %q", strings.Join(c.args, " "), errs)
				}
			}
			_, out, _ := runMain(t, "users", "add", "--role", "admin", "--email", "root@example.cn")
			if !strings.Contains(out, "\ntoken: pilu_") {
				t.Fatalf("users add prints the token on its own line: %q", out)
			}
		})
	}
}
