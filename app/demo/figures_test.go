package demo

import (
	"math/rand/v2"
	"testing"

	"pilu/models"
)

// TestDemoFiguresSatisfyRules generates every demo institution's monthly figures under many seeds
// (the demo uses one) and checks each set against every figure rule, with the set before it.
func TestDemoFiguresSatisfyRules(t *testing.T) {
	for seed := uint64(0); seed < 50; seed++ {
		for i, sp := range demoInstitutions {
			figs := demoFigures(rand.New(rand.NewPCG(seed, uint64(i))), sp)
			for m := range figs {
				var prev *models.MonthlyFigures
				if m > 0 {
					prev = &figs[m-1]
				}
				if broken := figs[m].BrokenRules(prev); len(broken) > 0 {
					t.Fatalf("seed %d, %s, month %d: breaks %s: %+v", seed, sp.Key, m, broken[0].Code, figs[m])
				}
			}
		}
	}
}
