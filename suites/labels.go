package suites

import (
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/orybench/orybench/kratosclient"
	"github.com/orybench/orybench/target"
)

// Labels are typed: a case is labelled op:<operationId>, status:<code>,
// client:<mode> and requires:<capability>, and a label filter such as
// "op:toSession && client:native" selects cases by them.
const (
	opPrefix       = "op:"
	statusPrefix   = "status:"
	clientPrefix   = "client:"
	requiresPrefix = "requires:"
)

// The kinds of caller, as the cases name them.
const (
	native  = kratosclient.Native
	browser = kratosclient.Browser
	spa     = kratosclient.SPA
)

// Op labels the Describe of one operation.
func Op(operationID string) Labels { return Label(opPrefix + operationID) }

// Status labels a case with the documented status it reaches, which its
// judge asserts, and bounds it by specTimeout. Every case reaches a
// status, so every case has a timeout.
func Status(code int) []any {
	return []any{Label(fmt.Sprintf("%s%d", statusPrefix, code)), SpecTimeout(specTimeout)}
}

// specTimeout bounds one case, so that a target that stops answering fails
// the case it stalls with a timeout rather than holding the run. Each call
// has its own bound (kratosclient's 30s); a case makes a few, honours
// Retry-After up to 3 times and waits for mail, all well within it.
const specTimeout = 3 * time.Minute

// Client labels a case with the kind of caller it acts as.
func Client(m kratosclient.Mode) Labels { return Label(clientPrefix + m.String()) }

// Negative labels a case that sends input no caller should: malformed
// bodies, missing CSRF tokens, unknown flows.
func Negative() Labels { return Label("negative") }

// Requires labels a case with the capabilities its target needs. Cases
// whose requirements no target meets are skipped with the reason, never
// dropped.
func Requires(caps ...target.Capability) Labels {
	var l Labels
	for _, c := range caps {
		if !c.Known() {
			panic(fmt.Sprintf("suites: capability %q is not in the registry", c))
		}
		l = append(l, requiresPrefix+string(c))
	}
	return l
}

// specLabels reads the typed labels back from a case's labels.
type specLabels struct {
	op       string
	status   int
	client   string
	requires []target.Capability
}

func parseLabels(labels []string) specLabels {
	var s specLabels
	for _, l := range labels {
		switch {
		case strings.HasPrefix(l, opPrefix):
			s.op = strings.TrimPrefix(l, opPrefix)
		case strings.HasPrefix(l, statusPrefix):
			fmt.Sscanf(strings.TrimPrefix(l, statusPrefix), "%d", &s.status)
		case strings.HasPrefix(l, clientPrefix):
			s.client = strings.TrimPrefix(l, clientPrefix)
		case strings.HasPrefix(l, requiresPrefix):
			s.requires = append(s.requires, target.Capability(strings.TrimPrefix(l, requiresPrefix)))
		}
	}
	return s
}
