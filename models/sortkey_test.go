package models_test

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"pilu/models"
	"pilu/models/dbtest"
)

// TestInstitutionsInPinyinOrder: lists order institutions by the pinyin of their names (安 before
// 北 before 鹭 before 鸾 before 中), not by Unicode; long names give a
// key that fits its column and stays valid UTF-8.
func TestInstitutionsInPinyinOrder(t *testing.T) {
	if k := models.SortKey(strings.Repeat("鹭汀A1", 100)); len(k) > 190 || !utf8.ValidString(k) {
		t.Fatalf("a long name's key: %d bytes, valid %v", len(k), utf8.ValidString(k))
	}
	dbtest.Stores(t, func(t *testing.T, st *models.Store) {
		names := []string{"中汇网贷有限公司", "鸾鸣金融有限公司", "安心贷有限公司", "鹭汀创投有限公司", "北辰网贷有限公司"}
		for i, n := range names {
			if _, err := st.CreateInstitution(ctx, models.NewInstitution{USCC: mustUSCC(t, "440106", "MA5PY000"+string(rune('1'+i))), Name: n, Province: "440000"}, "x", at("2019-01-02 09:00")); err != nil {
				t.Fatal(err)
			}
		}
		list := func() []string {
			items, _, err := st.ListInstitutions(ctx, models.InstitutionFilter{Province: "440000"})
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, in := range items {
				out = append(out, in.Name)
			}
			return out
		}
		want := []string{"安心贷有限公司", "北辰网贷有限公司", "鹭汀创投有限公司", "鸾鸣金融有限公司", "中汇网贷有限公司"}
		if got := list(); !slices.Equal(got, want) {
			t.Fatalf("order %v, want %v", got, want)
		}
		// A rename moves the institution to the place of its new name.
		items, _, err := st.ListInstitutions(ctx, models.InstitutionFilter{Province: "440000"})
		if err != nil {
			t.Fatal(err)
		}
		last := items[len(items)-1]
		if _, err := st.UpdateInstitution(ctx, last, models.NewInstitution{USCC: last.USCC, Name: "阿福网贷有限公司", Province: "440000"}, at("2019-02-02 09:00")); err != nil {
			t.Fatal(err)
		}
		if got := list(); got[0] != "阿福网贷有限公司" {
			t.Fatalf("after a rename: %v", got)
		}
	})
}
