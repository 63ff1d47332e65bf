package localkratos

import (
	"context"
	"errors"
	"fmt"
)

// Up starts one instance per options, in order, calls ready with each as
// it answers, and keeps them running until ctx is done (nil) or one exits
// on its own (an error naming it); then it stops them all. On an error
// starting one, those started are stopped.
func Up(ctx context.Context, opts []Options, ready func(*Instance)) (err error) {
	var running []*Instance
	defer func() {
		for _, inst := range running {
			err = errors.Join(err, inst.Stop())
		}
	}()
	for _, o := range opts {
		inst, err := Start(ctx, o)
		if err != nil {
			return err
		}
		running = append(running, inst)
		ready(inst)
	}
	exited := make(chan string, len(running))
	for _, inst := range running {
		go func() {
			<-inst.Exited()
			exited <- inst.Profile.Name
		}()
	}
	select {
	case <-ctx.Done():
		return nil
	case name := <-exited:
		return fmt.Errorf("kratos (%s profile) exited on its own; see its log", name)
	}
}
