package demo

import (
	"strings"
	"testing"
)

// TestDemoNamesAreInvented: no institution, brand, former name, app, website or address of the demo
// data set, and no brand or name the corpus generator draws, contains the name of a real platform
// or company (realNames); and soundsReal does find the real ones.
func TestDemoNamesAreInvented(t *testing.T) {
	for _, real := range []string{"红岭创投", "深圳市红岭创投电子商务股份有限公司", "宜人贷", "信和财富", "e租宝", "聚财猫"} {
		if !soundsReal(real) {
			t.Errorf("%s is not recognised as real", real)
		}
	}
	for _, invented := range []string{"鹭汀创投", "穗联贷", "棠穗猫", "禅信宝"} {
		if soundsReal(invented) {
			t.Errorf("%s is taken for a real name", invented)
		}
	}
	for _, sp := range demoInstitutions {
		for _, v := range append(append(append([]string{sp.Name, sp.Site, sp.Address, sp.Bank}, sp.Brands...), sp.Former...), sp.Apps...) {
			if soundsReal(v) {
				t.Errorf("demo %s: %q uses a real name", sp.Key, v)
			}
		}
		if sp.Bank != "" && !strings.HasPrefix(sp.Bank, "演示") {
			t.Errorf("demo %s: depository bank %q is not marked 演示", sp.Key, sp.Bank)
		}
	}
	for _, seed := range []uint64{1, 2, 175} {
		g := newCorpusGen(seed)
		for i := range 3000 {
			ni := g.institution(i)
			for _, v := range append([]string{ni.Name, ni.DepositoryBank}, ni.Brands...) {
				if soundsReal(v) {
					t.Fatalf("seed %d, institution %d: %q uses a real name", seed, i, v)
				}
			}
		}
	}
}
