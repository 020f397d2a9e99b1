package main

import (
	"strings"
	"testing"

	"github.com/weirflow/weir/dsl"
)

// TestOOMFix checks that an oom's fix names the line that set the cap: the
// stage's memory, else the pool or the budget it was a share of.
func TestOOMFix(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
	}{
		{"stage memory", `
stage "a" {
  command = ["true"]

  memory  = "64MiB"
}`, `raise memory at w.hcl:5 `},
		{"pool share", `
pool "p" {
  processes = 2

  memory    = "1GiB"
}
stage "a" {
  pool    = pool.p
  command = ["true"]
}`, `set memory in the stage at w.hcl:7, or raise pool "p" memory at w.hcl:5 `},
		{"budget share", `
workflow "w" {
  description   = "x"
  memory_budget = "2GiB"
}
stage "a" {
  command = ["true"]
}`, `set memory in the stage at w.hcl:6, or raise memory_budget at w.hcl:4 `},
		{"available memory", `
stage "a" {
  command = ["true"]
}`, `set memory in the stage at w.hcl:2 (`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan, diags := dsl.NewParser().LoadSource([]byte(tc.src), "w.hcl", dsl.Options{HostMemory: 16 << 30, NumCPU: 2})
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			got := oomFix(plan, plan.Task("a"))
			if !strings.HasPrefix(got, tc.want) {
				t.Errorf("fix %q, want it to start %q", got, tc.want)
			}
		})
	}
}
