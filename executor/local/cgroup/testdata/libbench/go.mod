// A module of its own, so that containerd/cgroups' cgroup1 and cgroup2
// packages (and their ebpf, dbus, systemd and protobuf dependencies) stay
// out of weir's build. It measures them against package cgroup:
//
//	cd executor/local/cgroup/testdata/libbench
//	go test -bench . -benchtime 2000x   # as root
module libbench

go 1.26.0

require (
	github.com/containerd/cgroups/v3 v3.1.3
	github.com/opencontainers/runtime-spec v1.3.0
	github.com/weirflow/weir v0.0.0
	golang.org/x/sys v0.50.0
)

require (
	github.com/cilium/ebpf v0.16.0 // indirect
	github.com/containerd/log v0.1.0 // indirect
	github.com/coreos/go-systemd/v22 v22.5.0 // indirect
	github.com/docker/go-units v0.5.0 // indirect
	github.com/godbus/dbus/v5 v5.1.0 // indirect
	github.com/moby/sys/userns v0.1.0 // indirect
	github.com/sirupsen/logrus v1.9.3 // indirect
	golang.org/x/exp v0.0.0-20241108190413-2d47ceb2692f // indirect
	google.golang.org/protobuf v1.35.2 // indirect
)

replace github.com/weirflow/weir => ../../../../..
