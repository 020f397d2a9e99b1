package cgroup_test

import (
	"errors"
	"fmt"
	"os/exec"
	"runtime"
	"syscall"

	"github.com/weirflow/weir/executor/local/cgroup"
)

// One task in its own capped cgroup, started inside it on either cgroup
// version.
func ExampleCgroup_Prepare() {
	m, err := cgroup.Detect()
	if errors.Is(err, cgroup.ErrUnavailable) {
		fmt.Println("no cgroup, use the watchdog:", err)
		return
	}
	defer m.Close()
	c, err := m.New("transform[shard-3]", 1<<30)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Delete()

	cmd := exec.Command("python3", "transform.py")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		after, err := c.Prepare(cmd.SysProcAttr)
		if err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		err = cmd.Start()
		if aerr := after(); aerr != nil {
			// v1: the thread may still be in the task's cgroup; staying
			// locked makes the runtime end it with this goroutine.
			errc <- errors.Join(err, aerr)
			return
		}
		runtime.UnlockOSThread()
		errc <- err
	}()
	if err := <-errc; err != nil {
		fmt.Println(err)
		return
	}
	cmd.Wait()
	if left, _ := c.Procs(); len(left) > 0 {
		fmt.Println("warning: left running:", left)
		c.Kill()
	}
	if n, _ := c.OOMKills(); n > 0 {
		peak, _ := c.Peak()
		fmt.Printf("oom: exceeded its cap of 1 GiB (peak %d bytes)\n", peak)
	}
}
