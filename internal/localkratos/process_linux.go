package localkratos

import "syscall"

// checkSystem says whether this system can run a local Kratos: Linux can.
func checkSystem() error { return nil }

// childAttr is how a child process starts: killed by the kernel when the
// thread that started it exits (Pdeathsig), as the user cred names when
// cred is not nil, in its own process group when ownGroup is set. Go sets
// Pdeathsig after switching credentials, so the kernel does not clear it.
func childAttr(cred *syscall.Credential, ownGroup bool) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: ownGroup, Credential: cred}
}
