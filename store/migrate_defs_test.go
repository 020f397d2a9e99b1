package store

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/weirflow/weir/event"
	bolt "go.etcd.io/bbolt"
)

// readers is everything the store's readers return for run id, to compare
// a store before and after a migration.
type readers struct {
	Tasks    map[string]TaskRecord
	ByID     map[string]TaskRecord
	Failed   []TaskRecord
	Each     []TaskRecord
	IDs      []string
	FailedID []string
	Stages   []StageSummary
	Attempts map[string][]AttemptRecord
	Events   []event.Event
	Run      RunRecord
}

func readBack(t *testing.T, s *Store, id string, ids []string) readers {
	t.Helper()
	var r readers
	var errs []error
	add := func(err error) { errs = append(errs, err) }
	var err error
	r.Tasks, err = s.Tasks(id)
	add(err)
	r.ByID, err = s.TasksByID(id, ids)
	add(err)
	add(s.Failed(id, func(t TaskRecord) error { r.Failed = append(r.Failed, t); return nil }))
	add(s.EachTask(id, func(t TaskRecord) error { r.Each = append(r.Each, t); return nil }))
	add(s.EachTaskID(id, func(t string) error { r.IDs = append(r.IDs, t); return nil }))
	r.FailedID, err = s.FailedIDs(id)
	add(err)
	r.Stages, err = s.Stages(id)
	add(err)
	r.Attempts = map[string][]AttemptRecord{}
	for _, task := range ids {
		r.Attempts[task], err = s.Attempts(id, task)
		add(err)
	}
	r.Events, err = s.Events(id)
	add(err)
	r.Run, err = s.Run(id)
	add(err)
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	return r
}

// migrateTasks is more than migrateChunk, so that the migration writes
// in several chunks.
const migrateTasks = 2*migrateChunk + 100

// layout2Store writes a run in dir with the current code, then folds its
// definitions back into its task records and sets layout 2, as a weir of
// layout 2 left it. It returns what the readers read before the fold, and
// the IDs of the tasks.
func layout2Store(t *testing.T, dir string) (readers, []string) {
	t.Helper()
	s, err := Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	j := newJournal(t, s, "r1")
	var sq seqs
	var ids []string
	// Appended, not recorded one by one: thousands of commits would take
	// the test a while.
	record := func(_ *testing.T, j *Journal, events ...event.Event) {
		for _, e := range events {
			if _, err := j.Append(e); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := range migrateTasks {
		task := fmt.Sprintf("w[%04d]", i)
		ids = append(ids, task)
		switch i % 3 {
		case 0: // defined, then succeeded
			if err := s.SetDefinition("r1", task, "h"+task, []DefPart{{Name: "command[0]", Value: "/bin/echo " + task}, {Name: "env.X", Value: "1"}}); err != nil {
				t.Fatal(err)
			}
			record(t, j, taskEvents(&sq, task)...)
		case 1: // hashed with inputs, then failed
			if err := s.SetTaskHashes("r1", task, "h"+task, map[string]string{"w.out.x": "in" + task}); err != nil {
				t.Fatal(err)
			}
			record(t, j, sq.ev(event.Event{Kind: event.TaskChanged, Task: task, State: event.Running, Attempt: 1}),
				sq.ev(event.Event{Kind: event.TaskChanged, Task: task, State: event.TaskFailed, Attempt: 1, Message: "exit 1"}))
		case 2: // reused: a hash and nothing else
			if err := s.SetTaskHashes("r1", task, "h"+task, nil); err != nil {
				t.Fatal(err)
			}
			record(t, j, sq.ev(event.Event{Kind: event.TaskChanged, Task: task, State: event.Reused}))
		}
	}
	record(t, j, sq.ev(event.Event{Kind: event.RunEnded, Message: "failed"}))
	if err := j.Flush(); err != nil {
		t.Fatal(err)
	}
	want := readBack(t, s, "r1", ids)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	db := rawOpen(t, dir)
	err = db.Update(func(tx *bolt.Tx) error {
		rb := tx.Bucket(bucketRun).Bucket([]byte("r1"))
		tasks, defs := rb.Bucket(bucketTasks), rb.Bucket(bucketDefs)
		folded := map[string][]byte{}
		err := tasks.ForEach(func(k, v []byte) error {
			var rec TaskRecord
			if err := json.Unmarshal(v, &rec); err != nil {
				return err
			}
			if err := joinDef(&rec, string(k), defs, "r1"); err != nil {
				return err
			}
			raw, err := json.Marshal(rec)
			folded[string(k)] = raw
			return err
		})
		if err != nil {
			return err
		}
		for k, v := range folded {
			if err := tasks.Put([]byte(k), v); err != nil {
				return err
			}
		}
		if err := rb.DeleteBucket(bucketDefs); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keyVersion, u64(2))
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	return want, ids
}

// TestMigrationV3 (layout 2 -> 3): definitions move out of the task
// records into the defs bucket, and every reader reads what it read
// before.
func TestMigrationV3(t *testing.T) {
	dir := t.TempDir()
	want, ids := layout2Store(t, dir)
	if len(want.Tasks[ids[0]].Definition) != 2 || len(want.Tasks[ids[1]].Inputs) != 1 || want.Tasks[ids[2]].DefHash == "" {
		t.Fatalf("the store lacks what the migration moves: %+v %+v %+v", want.Tasks[ids[0]], want.Tasks[ids[1]], want.Tasks[ids[2]])
	}
	if _, err := Open(dir, Options{ReadOnly: true}); !errors.Is(err, ErrOlderLayout) {
		t.Fatalf("read-only Open of layout 2 = %v, want ErrOlderLayout", err)
	}
	s := openStore(t, dir, Options{NoSync: true})
	got := readBack(t, s, "r1", ids)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("readers differ after the migration")
		for _, id := range ids {
			if !reflect.DeepEqual(got.Tasks[id], want.Tasks[id]) {
				t.Fatalf("task %s: %+v, want %+v", id, got.Tasks[id], want.Tasks[id])
			}
		}
	}
	s.Close()
	checkLayout3(t, dir, ids)
}

// checkLayout3 checks that dir is at layout 3 with no definition left in
// a task record.
func checkLayout3(t *testing.T, dir string, ids []string) {
	t.Helper()
	db := rawOpen(t, dir)
	defer db.Close()
	db.View(func(tx *bolt.Tx) error {
		if v, _ := layoutOf(tx); v != 3 {
			t.Errorf("layout %d, want 3", v)
		}
		rb := tx.Bucket(bucketRun).Bucket([]byte("r1"))
		for _, id := range ids {
			if raw := rb.Bucket(bucketTasks).Get([]byte(id)); strings.Contains(string(raw), `"definition"`) || strings.Contains(string(raw), `"inputs"`) {
				t.Fatalf("task %s still holds its definition: %s", id, raw)
			}
		}
		defined := 0
		for i := range migrateTasks {
			if i%3 != 2 {
				defined++
			}
		}
		if n := rb.Bucket(bucketDefs).Stats().KeyN; n != defined {
			t.Errorf("%d definitions, want %d (none for a reused task)", n, defined)
		}
		return nil
	})
}

// TestMigrationV3Killed: an engine killed while it migrates leaves the
// store at layout 2 (the migration is one transaction), and the next
// one migrates it.
func TestMigrationV3Killed(t *testing.T) {
	dir := t.TempDir()
	want, ids := layout2Store(t, dir)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=migrate", childDirEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if line != "migrated\n" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child said %q, %v", line, err)
	}
	cmd.Process.Kill() // inside the migration's transaction
	cmd.Wait()

	db := rawOpen(t, dir)
	db.View(func(tx *bolt.Tx) error {
		if v, _ := layoutOf(tx); v != 2 {
			t.Errorf("after a killed migration: layout %d, want 2", v)
		}
		return nil
	})
	db.Close()
	s := openStore(t, dir, Options{NoSync: true})
	if got := readBack(t, s, "r1", ids); !reflect.DeepEqual(got, want) {
		t.Errorf("readers differ after the migration resumed")
	}
	s.Close()
	checkLayout3(t, dir, ids)
}

// childMigrate opens dir, whose migration to layout 3 says "migrated" once
// it has moved every definition and then waits, uncommitted, to be killed.
func childMigrate(dir string) int {
	migs := append([]migration(nil), migrations...)
	last := &migs[len(migs)-1]
	move := last.migrate
	last.migrate = func(tx *bolt.Tx) error {
		if err := move(tx); err != nil {
			return err
		}
		os.Stdout.WriteString("migrated\n")
		time.Sleep(time.Minute)
		return errors.New("not killed")
	}
	_, err := Open(dir, Options{migrations: migs})
	fmt.Fprintln(os.Stderr, err)
	return 1
}
