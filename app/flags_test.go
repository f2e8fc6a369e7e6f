package app

import (
	"strings"
	"testing"

	"pilu/models"
)

func TestFlagLinesJoinRunsOfMissingMonths(t *testing.T) {
	ts := newTestServer(t, nil)
	flag := func(code, period string) flagJSON {
		f := models.Flag{Code: code, Period: period}
		return flagJSON{Flag: f, Text: ts.flagText("zh", f)}
	}
	flags := []flagJSON{
		flag(models.FlagReportMissing, "2020-02"), flag(models.FlagReportMissing, "2020-01"),
		flag(models.FlagReportMissing, "2019-12"), flag(models.FlagShuangjiang, "2019-11"),
		flag(models.FlagReportMissing, "2019-09"), flag(models.FlagReportMissing, "2019-07"),
	}
	got := ts.flagLines("zh", flags)
	want := []string{"2019年12月至2020年2月 运营数据未披露，共 3 个月", "2019年11月 未实现双降", "2019年9月 运营数据未披露", "2019年7月 运营数据未披露"}
	if len(got) != len(want) {
		t.Fatalf("lines %q", got)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("line %d: %q, want it to start with %q", i, got[i], want[i])
		}
	}
}
