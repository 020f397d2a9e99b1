package ui

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"

	"github.com/weirflow/weir/dag"
)

// Report limits: a report of a run of thousands of tasks stays a file a
// browser opens in a moment.
const (
	reportLogTail = 4 << 10 // bytes of each log kept per attempt
	reportSamples = 120     // memory samples kept per attempt
)

// reportData is what a report carries inline; the page's StaticSource
// answers from it (see web/src/source.js).
type reportData struct {
	Config   Config                   `json:"config"`
	Runs     []RunInfo                `json:"runs"`
	Graph    json.RawMessage          `json:"graph"`
	Snapshot Snapshot                 `json:"snapshot"`
	Details  map[string]*reportDetail `json:"details"`
	History  *History                 `json:"history,omitempty"`
}

// History is what the runs of a workflow so far tell about its stages:
// how much memory and time they really used against what they declare,
// with better values where the declared ones are far off. The report shows
// it under the timeline.
type History struct {
	Runs   int            `json:"runs"` // runs learned from
	Stages []StageHistory `json:"stages"`
}

// StageHistory is one stage's row of History; sizes in bytes, durations in
// milliseconds.
type StageHistory struct {
	Stage      string   `json:"stage"`
	Runs       int      `json:"runs"`
	PeakMin    int64    `json:"peak_min,omitempty"`
	PeakMax    int64    `json:"peak_max,omitempty"`
	Memory     int64    `json:"memory,omitempty"`
	TookMin    int64    `json:"took_min_ms,omitempty"`
	TookMax    int64    `json:"took_max_ms,omitempty"`
	Timeout    int64    `json:"timeout_ms,omitempty"`
	OOMs       int      `json:"ooms,omitempty"`
	Timeouts   int      `json:"timeouts,omitempty"`
	Suggestion []string `json:"suggestions,omitempty"` // "memory = \"1.5GiB\" (why)"
}

// ReportOptions add to what WriteReport shows.
type ReportOptions struct {
	History *History
}

type reportDetail struct {
	// Def is the task's definition where the report's graph is an
	// outline, which has none.
	Def    *dag.Task                    `json:"def,omitempty"`
	Logs   map[int]map[string]*LogChunk `json:"logs"`
	Memory map[int]*MemorySeries        `json:"memory"`
}

// WriteReport writes run runID of state dir stateDir as one self-contained
// HTML file: the page's script and style inlined, the run's data inlined
// as JSON. It shows the DAG, the timeline, each stage's panel with its
// memory chart and log tails, and the totals, with no server and no
// network; its Content-Security-Policy allows only the inlined script and
// style.
func WriteReport(w io.Writer, stateDir, runID string) error {
	return WriteReportWith(w, stateDir, runID, ReportOptions{})
}

// WriteReportWith is WriteReport with the additions of o.
func WriteReportWith(w io.Writer, stateDir, runID string, o ReportOptions) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// HoldBack of a nanosecond: a report shows every event there is.
	s := &Server{o: Options{StateDir: stateDir, HoldBack: 1}, ctx: ctx, cancel: cancel, hubs: map[string]*hub{}}
	h, err := s.checkRun(runID)
	if err != nil {
		return fmt.Errorf("ui: report: %w", err)
	}
	var d *reportData
	if q := h.quick(); q != nil && len(q.outline.Groups) > 0 {
		d, err = h.outlineReport(q)
	} else {
		d, err = h.wholeReport()
	}
	if err != nil {
		return fmt.Errorf("ui: report: %w", err)
	}
	d.Config = Config{Mode: "runs", Run: runID, Static: true}
	d.Runs = []RunInfo{d.Snapshot.Run}
	d.History = o.History
	snap := d.Snapshot
	data, err := json.Marshal(d) // escapes <, > and &: safe inside <script>
	if err != nil {
		return fmt.Errorf("ui: report: %w", err)
	}
	js, err := distFile("app.js")
	if err != nil {
		return fmt.Errorf("ui: report: %w", err)
	}
	css, err := distFile("app.css")
	if err != nil {
		return fmt.Errorf("ui: report: %w", err)
	}
	if bytes.Contains(bytes.ToLower(js), []byte("</script")) || bytes.Contains(bytes.ToLower(css), []byte("</style")) {
		return fmt.Errorf("ui: report: the built page cannot be inlined (it contains a closing tag); rebuild ui/web")
	}
	title := snap.Run.Name + " " + runID
	policy := "default-src 'none'; script-src '" + hashOf(js) + "'; style-src '" + hashOf(css) +
		"'; img-src data:; base-uri 'none'; form-action 'none'"
	var b bytes.Buffer
	b.WriteString("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
	b.WriteString(`<meta http-equiv="Content-Security-Policy" content="` + html.EscapeString(policy) + "\">\n")
	b.WriteString("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<link rel=\"icon\" href=\"data:,\">\n")
	b.WriteString("<title>" + html.EscapeString(title) + " · weir report</title>\n")
	b.WriteString("<style>")
	b.Write(css)
	b.WriteString("</style>\n</head>\n<body>\n")
	b.WriteString(`<script type="application/json" id="weir-data">`)
	b.Write(data)
	b.WriteString("</script>\n<script>")
	b.Write(js)
	b.WriteString("</script>\n</body>\n</html>\n")
	_, err = w.Write(b.Bytes())
	return err
}

// hashOf is a CSP source expression for an inline script or style.
func hashOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}
