package app

import "testing"

func TestFenOfYuan(t *testing.T) {
	cases := []struct {
		in   string
		fen  int64
		good bool
	}{
		{"0", 0, true}, {"1", 100, true}, {"12,345.6", 1234560, true}, {"1，234.56", 123456, true},
		{"¥1 000", 100000, true}, {"300元", 30000, true}, {" 0.01 ", 1, true},
		{"", 0, false}, {"-5", 0, false}, {"1.234", 0, false}, {"1e308", 0, false}, {"abc", 0, false},
		{"1.", 0, false}, {".5", 0, false}, {"99999999999999999", 0, false}, {"１２", 0, false},
	}
	for _, c := range cases {
		fen, ok := fenOfYuan(c.in)
		if ok != c.good || (ok && fen != c.fen) {
			t.Errorf("fenOfYuan(%q) = %d, %v; want %d, %v", c.in, fen, ok, c.fen, c.good)
		}
	}
	if yuanOfFen(123456) != "1234.56" || yuanOfFen(-5) != "-0.05" || yuanOfFen(0) != "0.00" {
		t.Error("yuanOfFen")
	}
}
