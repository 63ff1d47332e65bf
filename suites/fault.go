package suites

import (
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// lockDatabase holds the target's database locked, as another SQLite
// connection in an exclusive transaction would, until the spec ends: Kratos
// then fails every query after its busy timeout, which is how the specs reach
// the 500 answers a healthy server never gives. Only a target with the
// FaultInjection capability (the local fault profile) can be locked.
func (f *Fixture) lockDatabase(ctx context.Context) {
	GinkgoHelper()
	Expect(f.t.local).NotTo(BeNil(), "target %s declares %s but is not a local instance", f.t.name, FaultInjection)
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	unlock, err := f.t.local.LockDB(ctx)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() {
		Expect(unlock()).To(Succeed())
	})
}
