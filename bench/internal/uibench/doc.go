// Package uibench holds what the browser-view benchmarks (bench/uipage,
// bench/uireload) share: the generated 5,000-stage run they show, the
// waits for the page's milestones, the CPU time of the browser's and a
// server's processes, and the load average printed beside each figure.
// Chromium itself is started by internal/browser, as the tests start it.
package uibench
