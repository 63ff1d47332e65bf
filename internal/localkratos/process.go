package localkratos

import (
	"context"
	"io"
	"os/exec"
	"runtime"
	"syscall"
	"time"
)

// process is a child that dies with orybench. On Linux the kernel sends it
// SIGKILL when the thread that started it exits (Pdeathsig, set by
// childAttr); the thread is locked for the child's whole life so that only
// orybench's own death (or stop) ends it, kill -9 included. Other systems
// have no such signal, so Start refuses them (ErrNeedsLinux).
type process struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

func startProcess(bin string, out io.Writer, args ...string) (*process, error) {
	cmd := exec.Command(bin, args...)
	cmd.Stdout = out
	cmd.Stderr = out
	return startCommand(cmd, nil)
}

// startCommand starts cmd as a process that dies with orybench, as the
// user cred names when cred is not nil (PostgreSQL refuses to run as root).
func startCommand(cmd *exec.Cmd, cred *syscall.Credential) (*process, error) {
	p := &process{done: make(chan struct{}), cmd: cmd}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// The thread is never unlocked: when this goroutine returns, the
		// runtime ends the thread, which is what Pdeathsig watches.
		// Its own process group: a Ctrl-C in the terminal reaches
		// orybench, which then stops Kratos in order.
		p.cmd.SysProcAttr = childAttr(cred, true)
		if err := p.cmd.Start(); err != nil {
			started <- err
			close(p.done)
			return
		}
		started <- nil
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return p, nil
}

// stop asks the process to end (SIGTERM) and kills it after grace.
func (p *process) stop(grace time.Duration) error {
	select {
	case <-p.done:
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		return nil
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	// Kratos's helpers (its jsonnet workers) share its process group.
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	return nil
}

// runOnce runs a short kratos command (a migration) to completion.
func runOnce(ctx context.Context, bin string, out io.Writer, args ...string) error {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout = out
	cmd.Stderr = out
	cmd.SysProcAttr = childAttr(nil, false)
	return cmd.Run()
}
