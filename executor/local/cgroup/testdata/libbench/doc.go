// Package libbench only holds benchmarks; see go.mod.
package libbench
