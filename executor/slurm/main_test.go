package slurm

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/weirflow/weir/executor/local/proc"
)

// helperEnv makes the test binary act as a task program (see helper).
const helperEnv = "WEIR_SLURM_TEST_HELPER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		helper(mode)
		return
	}
	if err := proc.Init(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// dump is what the "dump" helper prints.
type dump struct {
	Args []string `json:"args"`
	Env  []string `json:"env"`
	Dir  string   `json:"dir"`
}

// helper runs a task: "dump" prints its args, environment and directory as
// JSON; "exit N" exits N; "sleep D" sleeps; "alloc N" touches N MiB and
// holds them a moment; "stderr S" writes S to stderr.
func helper(mode string) {
	verb, arg, _ := strings.Cut(mode, " ")
	switch verb {
	case "dump":
		dir, _ := os.Getwd()
		json.NewEncoder(os.Stdout).Encode(dump{Args: os.Args[1:], Env: os.Environ(), Dir: dir})
	case "exit":
		n, _ := strconv.Atoi(arg)
		os.Exit(n)
	case "sleep":
		d, _ := time.ParseDuration(arg)
		time.Sleep(d)
	case "alloc":
		n, _ := strconv.Atoi(arg)
		b := make([]byte, n<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		time.Sleep(2 * time.Second)
		runtime.KeepAlive(b)
	case "stderr":
		fmt.Fprint(os.Stderr, arg)
	}
	os.Exit(0)
}
