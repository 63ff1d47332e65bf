//go:build !linux

package localkratos

import "syscall"

// checkSystem says whether this system can run a local Kratos: only Linux
// can, since only Linux kills a child when orybench dies (Pdeathsig).
func checkSystem() error { return ErrNeedsLinux }

// childAttr is childAttr on Linux without the parent-death signal, which
// this system does not have. Start refuses this system before any child
// starts; childAttr exists so that the package builds here.
func childAttr(cred *syscall.Credential, ownGroup bool) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: ownGroup, Credential: cred}
}
