package event

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// TestAppendJSONIsMarshal: AppendJSON writes what encoding/json writes,
// byte for byte, on the plain path and on every way off it.
func TestAppendJSONIsMarshal(t *testing.T) {
	now := time.Date(2026, 12, 7, 11, 29, 49, 30749118, time.UTC)
	kolkata := time.FixedZone("IST", 5*3600+30*60)
	odd := time.FixedZone("LMT", 3600+7) // an offset RFC 3339 cannot say
	res := func(f func(*Result)) *Result {
		r := &Result{Reason: Succeeded, Start: now, End: now.Add(time.Millisecond), Enforcement: CgroupV1, CPUTime: time.Millisecond, PeakMemory: 421888}
		if f != nil {
			f(r)
		}
		return r
	}
	tests := []struct {
		name string
		e    Event
	}{
		{"the least", Event{}},
		{"ready", Event{Seq: 1, Time: now, RunID: "20261207-110407-fc9b7f", Kind: TaskChanged, Task: "shard[3]", State: Ready}},
		{"running", Event{Seq: 2, Time: now, RunID: "r", Kind: TaskChanged, Task: "t", State: Running, Attempt: 1, Memory: 64 << 20}},
		{"started", Event{Seq: 3, Time: now.In(kolkata), RunID: "r", Kind: AttemptStarted, Task: "t", Attempt: 2, Memory: 1,
			Handle: json.RawMessage(`{"pid":1234,"start_time":99999,"cgroup":"/sys/fs/cgroup/memory/x/y"}`)}},
		{"ended", Event{Seq: 4, Time: now, RunID: "r", Kind: AttemptEnded, Task: "t", Attempt: 1, Result: res(nil)}},
		{"ended badly", Event{Seq: 5, Time: now, RunID: "r", Kind: AttemptEnded, Task: "t", Result: res(func(r *Result) {
			r.Reason, r.ExitCode, r.Signal, r.Detail, r.Leftovers = Exit, 3, 9, "exceeded its memory cap of 1 GiB (peak 1.02 GiB)", 2
			r.Samples = []MemorySample{{At: 250 * time.Millisecond, Bytes: 1 << 20}, {At: 1500*time.Millisecond + 7, Bytes: 3}}
		})}},
		{"a bare result", Event{Kind: AttemptEnded, Result: &Result{}}},
		{"outputs", Event{Seq: 6, Time: now, RunID: "r", Kind: TaskChanged, Task: "t", State: TaskSucceeded,
			Outputs: []Committed{{Name: "table", Path: "/dev/shm/weir-x/t.table", Size: 1 << 30, Hash: "xxh3:0123abcd"}, {Name: "empty"}}}},
		{"a message", Event{Seq: 7, Time: now, RunID: "r", Kind: RunEnded, Message: "cancelled: interrupted (SIGINT)"}},
		// Off the plain path: what encoding/json escapes or refuses.
		{"a quoted key", Event{Seq: 8, Time: now, RunID: "r", Kind: TaskChanged, Task: `work["a.txt"]`, State: Ready}},
		{"HTML", Event{Kind: RunEnded, Message: "a < b && c > d"}},
		{"unicode", Event{Kind: RunEnded, Message: "größe \u2028 line"}},
		{"control", Event{Kind: RunEnded, Message: "tab\there\nnewline\x01"}},
		{"invalid UTF-8", Event{Kind: RunEnded, Message: "bad \xff byte"}},
		{"a detail", Event{Kind: AttemptEnded, Result: res(func(r *Result) { r.Detail = `"quoted"` })}},
		{"an output path", Event{Kind: TaskChanged, Outputs: []Committed{{Name: "n", Path: `C:\odd`}}}},
		{"a spaced handle", Event{Kind: AttemptStarted, Handle: json.RawMessage(`{ "pid": 1 }`)}},
		{"an HTML handle", Event{Kind: AttemptStarted, Handle: json.RawMessage(`{"cgroup":"a&b"}`)}},
		{"an odd zone", Event{Kind: RunEnded, Time: now.In(odd)}},
		{"year 10000", Event{Kind: RunEnded, Time: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{"a result's odd zone", Event{Kind: AttemptEnded, Result: res(func(r *Result) { r.End = r.End.In(odd) })}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sameAsMarshal(t, &tc.e)
		})
	}
}

func sameAsMarshal(t *testing.T, e *Event) {
	t.Helper()
	want, wantErr := json.Marshal(e)
	got, err := AppendJSON([]byte("prefix"), e)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("error %v, encoding/json's %v", err, wantErr)
	}
	if err != nil {
		return
	}
	if !bytes.Equal(got, append([]byte("prefix"), want...)) {
		t.Errorf("AppendJSON wrote\n%s\nencoding/json\n%s", got[len("prefix"):], want)
	}
}

// FuzzAppendJSON compares AppendJSON with encoding/json on events made
// of fuzzed strings, numbers and times.
func FuzzAppendJSON(f *testing.F) {
	f.Add("r", "t", "msg", "detail", "/p", `{"pid":1}`, int64(1), int64(0), 0, true)
	f.Add(`w["a"]`, "t\n", "<&>", "\xff", `C:\x`, `{ "a" : [1, 2] }`, int64(-5), int64(3600*1e9+7), 330*60, false)
	f.Fuzz(func(t *testing.T, run, task, msg, detail, path, handle string, n, nanos int64, zone int, result bool) {
		at := time.Unix(n%(1<<40), nanos).In(time.FixedZone("z", zone%(30*3600)))
		e := Event{Seq: uint64(n), Time: at, RunID: run, Kind: TaskChanged, Task: task, Message: msg, Attempt: int(n % 7), Memory: nanos,
			Outputs: []Committed{{Name: task, Path: path, Size: n, Hash: detail}}}
		if json.Valid([]byte(handle)) {
			e.Handle = json.RawMessage(handle)
		}
		if result {
			e.Result = &Result{Reason: Reason(msg), Detail: detail, ExitCode: int(n % 256), Start: at, End: at.Add(time.Duration(nanos)),
				CPUTime: time.Duration(nanos), Samples: []MemorySample{{At: time.Duration(nanos), Bytes: n}}}
		}
		sameAsMarshal(t, &e)
	})
}

func BenchmarkAppendJSON(b *testing.B) {
	now := time.Now()
	e := Event{Seq: 12345, Time: now, RunID: "20261207-110407-fc9b7f", Kind: AttemptEnded, Task: "t123", Attempt: 1,
		Result: &Result{Reason: Succeeded, Start: now, End: now.Add(time.Millisecond), Enforcement: CgroupV1, CPUTime: time.Millisecond, PeakMemory: 421888}}
	b.Run("AppendJSON", func(b *testing.B) {
		var buf []byte
		for b.Loop() {
			buf, _ = AppendJSON(buf[:0], &e)
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			json.Marshal(&e)
		}
	})
}
