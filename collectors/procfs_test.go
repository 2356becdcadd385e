package collectors_test

import (
	"os/user"
	"testing"

	"github.com/gpuplan/gpuplan/collectors"
)

func TestProcFS(t *testing.T) {
	root := "root"
	if u, err := user.LookupId("0"); err == nil {
		root = u.Username
	}
	cases := []struct {
		pid  int
		ok   bool
		want collectors.Proc
	}{
		{101, true, collectors.Proc{User: root, Cgroup: "/slurm/uid_0/job_4242/step_0", JobID: "4242"}},
		// uid without a passwd entry: the number; job id from the environment.
		{202, true, collectors.Proc{User: "4242001", Cgroup: "/system.slice/docker-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope",
			Container: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", JobID: "777"}},
		// the cgroup's job id wins over the environment's.
		{303, true, collectors.Proc{User: root, Cgroup: "/system.slice/slurmstepd.scope/job_9001/step_batch/user/task_0", JobID: "9001"}},
		{404, true, collectors.Proc{User: root, Cgroup: "/kubepods.slice/kubepods-pod1.slice/cri-containerd-fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210.scope",
			Container: "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210", JobID: "55"}},
		{999, false, collectors.Proc{}},
	}
	p := &collectors.ProcFS{Root: "testdata/proc"}
	for _, tc := range cases {
		got, ok := p.Proc(tc.pid)
		if ok != tc.ok || got != tc.want {
			t.Errorf("pid %d: %+v %v, want %+v %v", tc.pid, got, ok, tc.want, tc.ok)
		}
	}
}
