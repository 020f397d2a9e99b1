package dag

import (
	"bytes"
	"slices"
	"strconv"
	"testing"
	"time"
)

// TestScanTasks: the tasks ScanTasks decodes from WriteJSON's task view
// are those ParseJSON reads whole, in file order, for the ids wanted; it
// stops when asked to; ids that need escaping are found too.
func TestScanTasks(t *testing.T) {
	var tasks []*Task
	for i := range 50 {
		x := tk("work[" + strconv.Itoa(i) + "]")
		x.Memory, x.Timeout = int64(i+1)<<20, time.Duration(i+1)*time.Second
		tasks = append(tasks, x)
	}
	tasks = append(tasks, tk(`odd["q\"uote"]`))
	var buf bytes.Buffer
	if err := WriteJSON(&buf, &Plan{Name: "x", Tasks: tasks}, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	whole, err := ParseJSON(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]*Task{}
	for _, x := range whole.Tasks {
		byID[x.ID] = x
	}
	for _, c := range []struct {
		name  string
		want  []string
		limit int // stop after this many (0: never)
		got   []string
	}{
		{name: "some", want: []string{"work[3]", "work[40]", "work[7]"}, got: []string{"work[3]", "work[7]", "work[40]"}},
		{name: "escaped id", want: []string{`odd["q\"uote"]`}, got: []string{`odd["q\"uote"]`}},
		{name: "stops", want: []string{"work[1]", "work[2]", "work[3]"}, limit: 2, got: []string{"work[1]", "work[2]"}},
		{name: "none there", want: []string{"nope"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			err := ScanTasks(bytes.NewReader(buf.Bytes()), func(id string) bool { return slices.Contains(c.want, id) },
				func(x *Task) bool {
					got = append(got, x.ID)
					w := byID[x.ID]
					if x.Memory != w.Memory || x.Timeout != w.Timeout {
						t.Errorf("%s decoded as %+v, whole read %+v", x.ID, x, w)
					}
					return c.limit == 0 || len(got) < c.limit
				})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, c.got) {
				t.Errorf("got %q, want %q", got, c.got)
			}
		})
	}
}
