package ui

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestDecodeTableEvent: the table's decoder reads every line as
// encoding/json does: names matched whatever their case, the last of a
// repeated name, invalid UTF-8 replaced.
func TestDecodeTableEvent(t *testing.T) {
	for _, line := range []string{
		`{"seq":3,"time":"2026-11-26T07:00:00.003Z","run":"r1","kind":"attempt_ended","task":"w[1]","attempt":2,"handle":{"pid":7},"result":{"reason":"exit","exit_code":3,"peak_memory":1048576,"start":"2026-11-26T07:00:01Z","end":"2026-11-26T07:00:02.5Z","memory_samples":[{"t":1,"b":2}]},"message":"x"}`,
		`{"seq":4,"kind":"task","task":"w[1]","state":"failed","message":"a repeated name","message":"the last"}`,
		"{\"seq\":5,\"kind\":\"task\",\"task\":\"w[1]\",\"state\":\"skipped\",\"message\":\"bad \xff utf-8\"}",
		`{"seq":6,"kind":"task","Task":"w[2]","STATE":"running"}`,
	} {
		var want tableEvent
		if err := json.Unmarshal([]byte(line), &want); err != nil {
			t.Fatal(err)
		}
		got, err := decodeTableEvent([]byte(line))
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\ngot  %+v (%v)\nwant %+v", line, got, err, want)
		}
	}
	if _, err := decodeTableEvent([]byte(`{"seq":"x"}`)); err == nil {
		t.Error("a seq that is a string was taken")
	}
}
