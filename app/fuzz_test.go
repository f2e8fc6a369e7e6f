package app

import (
	"testing"
)

// The fuzz targets of the parsers of outside input in app (see models/fuzz_test.go): amounts typed
// in yuan, the import file's rows, a filing's meta part. .ci/run runs each for a bounded time.

func FuzzFenOfYuan(f *testing.F) {
	for _, s := range []string{"25,000.50", "¥1 000", "300元", "1.005", "-5", "", "99999999999999999", "0.1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fen, ok := fenOfYuan(s)
		if !ok {
			return
		}
		if fen < 0 {
			t.Fatalf("%q is %d fen", s, fen)
		}
		if back, ok := fenOfYuan(yuan(fen)); !ok || back != fen {
			t.Fatalf("%q is %d fen, written %q, read back %d (%v)", s, fen, yuan(fen), back, ok)
		}
	})
}

func FuzzImportCSV(f *testing.F) {
	f.Add([]byte("统一社会信用代码,机构名称,平台名称\n91350100M000100Y43,福州某公司,某贷\n"))
	f.Add([]byte("\xef\xbb\xbfuscc,name\n,\n"))
	f.Add([]byte("\"unterminated,\n"))
	f.Add([]byte{0xb8, 0xa3, 0xd6, 0xdd, ',', '\n'})
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := readCSV(b)
		if err != nil {
			return
		}
		for _, r := range file.Rows {
			if r.Row < 2 {
				t.Fatalf("a row numbered %d: the header is line 1", r.Row)
			}
		}
	})
}

func FuzzParseMeta(f *testing.F) {
	f.Add(`{"kind":"monthly_data","period":"2026-10","figures":{"lenders":5}}`, true)
	f.Add(`{"kind":"repayment_plan","tranches":[{"date":"2026-12-31","share_bp":10000}],"base_amount":100}`, true)
	f.Add(`[1,2`, true)
	f.Add(``, false)
	f.Fuzz(func(t *testing.T, text string, present bool) {
		parseMeta(text, present) // refuses with field errors, never panics
	})
}
