package models

import (
	"reflect"
	"strings"
	"unicode"

	"github.com/mozillazg/go-pinyin"
	"gorm.io/gorm"
)

// sortKeyArgs read a character in its most common reading, without tones.
var sortKeyArgs = func() pinyin.Args {
	a := pinyin.NewArgs()
	a.Style = pinyin.Normal
	return a
}()

// sortKeySize is the longest sort key kept (an index on it must stay within MySQL's key length).
const sortKeySize = 190

// SortKey is what institutions are ordered by: the name read in pinyin, syllable by syllable
// (鹭汀 → "lu ting ", before 鸾 → "luan "), letters and digits as they are, lower case; Chinese
// readers look names up in this order, not in Unicode's.
func SortKey(name string) string {
	var b strings.Builder
	for _, r := range name {
		if b.Len() >= sortKeySize {
			break
		}
		switch {
		case unicode.Is(unicode.Han, r):
			if p := pinyin.SinglePinyin(r, sortKeyArgs); len(p) > 0 && p[0] != "" {
				b.WriteString(p[0] + " ")
			} else {
				b.WriteRune(r)
			}
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		}
	}
	k := []rune(b.String())
	for len(string(k)) > sortKeySize { // cut on a character boundary
		k = k[:len(k)-1]
	}
	return string(k)
}

// keepSortKeys registers on db the step that sets every institution's sort key from its name before
// it is created or updated, on every path that writes one. It is a callback rather than a GORM hook
// method, which would put *gorm.DB in Institution's exported methods.
func keepSortKeys(db *gorm.DB) error {
	set := func(tx *gorm.DB) {
		if tx.Statement.Schema != nil && tx.Statement.Schema.Table == "institutions" {
			setSortKeys(tx.Statement.ReflectValue)
		}
	}
	if err := db.Callback().Create().Before("gorm:create").Register("pilu:sort_key", set); err != nil {
		return err
	}
	return db.Callback().Update().Before("gorm:update").Register("pilu:sort_key", set)
}

// setSortKeys sets the sort key of the institution, or institutions, that v holds.
func setSortKeys(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			setSortKeys(v.Elem())
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			setSortKeys(v.Index(i))
		}
	case reflect.Struct:
		if !v.CanAddr() {
			return
		}
		if in, ok := v.Addr().Interface().(*Institution); ok {
			in.SortKey = SortKey(in.Name)
		}
	}
}

// migrateSortKeys adds institutions' pinyin sort key, filled from their names.
func migrateSortKeys(tx *gorm.DB) error {
	if err := tx.Exec("ALTER TABLE institutions ADD COLUMN sort_key VARCHAR(190) NOT NULL DEFAULT ''").Error; err != nil {
		return err
	}
	var rows []struct {
		ID   uint64
		Name string
	}
	if err := tx.Table("institutions").Select("id", "name").Find(&rows).Error; err != nil {
		return err
	}
	for _, r := range rows {
		if err := tx.Table("institutions").Where("id = ?", r.ID).Update("sort_key", SortKey(r.Name)).Error; err != nil {
			return err
		}
	}
	return tx.Exec("CREATE INDEX idx_institutions_sort_key ON institutions (sort_key)").Error
}
