package testenv

import (
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"testing"
)

// OtherUserName is the unprivileged user the tests of the security model
// run weir, or the hostile side, as.
const OtherUserName = "weirtest"

// OtherUser returns the uid and gid of OtherUserName, creating the user
// (as root, with useradd) when it does not exist. Not root, it skips t,
// or fails it under WEIR_REQUIRE_ALL=1.
func OtherUser(t testing.TB) (uid, gid int) {
	t.Helper()
	if os.Geteuid() != 0 {
		Missing(t, "root, to create a second user", "run the test as root")
	}
	u, err := user.Lookup(OtherUserName)
	if err != nil {
		useradd := LookPath(t, "useradd", "apt-get install passwd")
		if out, err := exec.Command(useradd, "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", OtherUserName).CombinedOutput(); err != nil {
			t.Fatalf("useradd %s: %v\n%s", OtherUserName, err, out)
		}
		if u, err = user.Lookup(OtherUserName); err != nil {
			t.Fatal(err)
		}
	}
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(u.Gid)
	return uid, gid
}

// AsUser returns a command that runs argv as uid and gid with no
// supplementary groups and no capabilities (setpriv).
func AsUser(t testing.TB, uid, gid int, argv ...string) *exec.Cmd {
	t.Helper()
	setpriv := LookPath(t, "setpriv", "apt-get install util-linux")
	args := append([]string{"--reuid=" + strconv.Itoa(uid), "--regid=" + strconv.Itoa(gid), "--clear-groups", "--"}, argv...)
	return exec.Command(setpriv, args...)
}
