package collectors

import (
	"bufio"
	"bytes"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// ProcFS reads process attribution from a proc file system: the user from the real uid in
// status, the cgroup path from cgroup, and the Slurm job id from that path or, failing that,
// from SLURM_JOB_ID in environ (readable only by the process's user and root; the rest of the
// environment is read and discarded, never kept). The command line is never read.
type ProcFS struct {
	// Root is the proc mount; "" means /proc.
	Root string

	mu    sync.Mutex
	users map[string]string // uid -> name
}

var _ ProcReader = (*ProcFS)(nil)

// Proc implements ProcReader.
func (p *ProcFS) Proc(pid int) (Proc, bool) {
	root := p.Root
	if root == "" {
		root = "/proc"
	}
	dir := filepath.Join(root, strconv.Itoa(pid))
	status, err := os.ReadFile(filepath.Join(dir, "status"))
	if err != nil {
		return Proc{}, false
	}
	var pr Proc
	if uid, ok := statusUID(status); ok {
		pr.User = p.userName(uid)
	}
	if cg, err := os.ReadFile(filepath.Join(dir, "cgroup")); err == nil {
		pr.Cgroup = cgroupPath(cg)
		pr.Container = containerID(pr.Cgroup)
		pr.JobID = slurmJobFromCgroup(pr.Cgroup)
	}
	if pr.JobID == "" {
		if env, err := os.ReadFile(filepath.Join(dir, "environ")); err == nil {
			pr.JobID = envValue(env, "SLURM_JOB_ID")
		}
	}
	return pr, true
}

func (p *ProcFS) userName(uid string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if name, ok := p.users[uid]; ok {
		return name
	}
	name := uid // a uid without a passwd entry (a container's) is still an identity
	if u, err := user.LookupId(uid); err == nil {
		name = u.Username
	}
	if p.users == nil {
		p.users = map[string]string{}
	}
	p.users[uid] = name
	return name
}

// statusUID returns the real uid from /proc/<pid>/status ("Uid:\treal\teffective\t...").
func statusUID(status []byte) (string, bool) {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "Uid:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				return f[0], true
			}
		}
	}
	return "", false
}

// cgroupPath picks the unified (v2) hierarchy's path from /proc/<pid>/cgroup, else the v1
// memory controller's, else the first line's.
func cgroupPath(b []byte) string {
	var first, memory string
	for _, line := range strings.Split(string(b), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[0] == "0" && parts[1] == "" {
			return parts[2]
		}
		if first == "" {
			first = parts[2]
		}
		for _, c := range strings.Split(parts[1], ",") {
			if c == "memory" && memory == "" {
				memory = parts[2]
			}
		}
	}
	if memory != "" {
		return memory
	}
	return first
}

var (
	// Slurm places steps under .../job_<id>/step_<n> on cgroup v1 and v2.
	slurmJobRe = regexp.MustCompile(`/job_([0-9]+)(?:/|$)`)
	// Container runtimes name scopes <runtime>-<64 hex>.scope (systemd driver) or put the id
	// as a path element (cgroupfs driver, Kubernetes pods).
	containerRe = regexp.MustCompile(`(?:docker|cri-containerd|crio|libpod)[-/]([0-9a-f]{64})|/([0-9a-f]{64})(?:\.scope)?(?:/|$)`)
)

func slurmJobFromCgroup(path string) string {
	if m := slurmJobRe.FindStringSubmatch(path); m != nil {
		return m[1]
	}
	return ""
}

func containerID(path string) string {
	m := containerRe.FindAllStringSubmatch(path, -1)
	if len(m) == 0 {
		return ""
	}
	last := m[len(m)-1] // the innermost container
	if last[1] != "" {
		return last[1]
	}
	return last[2]
}

// envValue returns the value of key in a NUL-separated environment block.
func envValue(env []byte, key string) string {
	prefix := []byte(key + "=")
	for _, kv := range bytes.Split(env, []byte{0}) {
		if v, ok := bytes.CutPrefix(kv, prefix); ok {
			return string(v)
		}
	}
	return ""
}
