package dsl

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestFastPathsMatchHCL loads each workflow with the fast paths for wide
// stages (strPlan, evalForObjectFast) and with HCL's general evaluation, and
// wants the same tasks and the same diagnostics.
func TestFastPathsMatchHCL(t *testing.T) {
	for _, tc := range []struct{ name, src string }{
		{"command with each.key", `
stage "a" {
  for_each = { for i in range(5) : format("k%02d", i) => i }
  command  = ["echo", "--key", each.key, "x-${each.key}-y"]
}`},
		{"each.value a number falls back", `
stage "a" {
  for_each = { for i in range(3) : "k${i}" => i * 10 }
  command  = ["echo", each.value, "v${each.value}"]
}`},
		{"each.value a string", `
stage "a" {
  for_each = { for s in ["x", "y"] : s => upper(s) }
  command  = ["echo", each.value]
  env      = { SHARD = each.key, VALUE = "${each.value}!", FIXED = "1" }
  script   = null
}`},
		{"script, description, dir", `
stage "a" {
  for_each    = toset(["b", "a", "c"])
  script      = "echo ${each.key} > /dev/null"
  description = "shard ${each.value}"
  dir         = "work/${each.key}"
}`},
		{"env_passthrough and outputs", `
stage "a" {
  for_each        = range(3)
  command         = ["true", each.key]
  env_passthrough = ["HOME", "V${each.key}"]
  output "o" { publish = "out/${each.key}.txt" }
}
stage "b" {
  for_each = range(3)
  command  = ["cat", stage.a[each.key].output.o, stage.a["0"].output.o]
}`},
		{"self", `
stage "a" {
  for_each = toset(["p", "q"])
  command  = ["w", self.output.o, each.key]
  output "o" {}
}`},
		{"for with if and number keys", `
stage "a" {
  for_each = { for i in range(10) : i => i if i % 3 == 0 }
  command  = ["echo", each.key]
}`},
		{"for over a map with key and value", `
locals { m = { b = "2", a = "1" } }
stage "a" {
  for_each = { for k, v in local.m : "${k}${v}" => v }
  command  = ["echo", each.key, each.value]
}`},
		{"duplicate keys", `
stage "a" {
  for_each = { for i in range(4) : i % 2 => i }
  command  = ["echo", each.key]
}`},
		{"error in a key", `
stage "a" {
  for_each = { for i in range(4) : nope(i) => i }
  command  = ["echo", each.key]
}`},
		{"empty command element", `
stage "a" {
  for_each = range(2)
  command  = ["", each.key]
}`},
		{"bad env name", `
stage "a" {
  for_each = range(2)
  env      = { "1X" = each.key }
  command  = ["true"]
}`},
		{"range with each.value", `
stage "a" {
  for_each    = range(5, 20, 3)
  command     = ["echo", each.key, each.value, "v${each.value}", "${each.value * 2}"]
  env         = { K = each.key, V = each.value }
  description = "shard ${each.value} of ${each.key}"
}`},
		{"range counting down, value in the script alone", `
stage "a" {
  for_each = range(3, -3, -2)
  script   = "echo ${each.value} ${each.key}"
  dir      = "w${each.key}"
}`},
		{"range over a local, read by another stage", `
locals { n = 4 }
stage "a" {
  for_each = range(local.n)
  command  = ["true", each.key]
  output "o" { size = "${each.value + 1}KiB" }
}
stage "b" {
  for_each = range(1, local.n)
  command  = ["cat", stage.a[each.key].output.o, each.value]
}`},
		{"range refused", `
stage "a" {
  for_each = range(1, 2, 0)
  command  = ["true", each.key]
}`},
		{"empty range", `
stage "a" {
  for_each = range(0)
  command  = ["true", each.key]
}`},
		{"combining mark joins", `
stage "a" {
  for_each = toset(["\u0301x"])
  command  = ["e${each.key}"]
}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "w.hcl")
			if err := os.WriteFile(path, []byte(tc.src), 0o644); err != nil {
				t.Fatal(err)
			}
			load := func(fast bool) (any, string) {
				fastPaths = fast
				defer func() { fastPaths = true }()
				plan, diags := NewParser().Load(path, Options{NumCPU: 4})
				if plan == nil {
					return nil, diags.Error()
				}
				return plan.Tasks, diags.Error()
			}
			fastTasks, fastDiags := load(true)
			slowTasks, slowDiags := load(false)
			if fastDiags != slowDiags {
				t.Errorf("diagnostics differ:\nfast: %s\nhcl:  %s", fastDiags, slowDiags)
			}
			if !reflect.DeepEqual(fastTasks, slowTasks) {
				t.Errorf("tasks differ:\nfast: %+v\nhcl:  %+v", fastTasks, slowTasks)
			}
		})
	}
}
