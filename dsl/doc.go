// Package dsl reads weir's workflow language: HCL files with workflow,
// variable, locals, pool and stage blocks (docs/language.md). Load parses a
// file, decodes every block, evaluates expressions, expands for_each stages
// into tasks and returns a checked dag.Plan, or every problem found as
// hcl.Diagnostics with source ranges. It is the only package that imports
// HCL and cty.
package dsl
