package loadtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/orybench/orybench/target"
)

// targeter hands out pre-built targets: a step by smooth weighted round
// robin, then the step's next target (a session token, a login flow) round
// robin. It does no network work and no allocation.
//
// Each target's URL carries "#<step>" so that a vegeta Result tells its step;
// a fragment is never sent.
type targeter struct {
	order []uint16 // step indices, interleaved in proportion to weights
	n     atomic.Uint64
	steps []stepTargets
}

type stepTargets struct {
	targets []vegeta.Target
	n       atomic.Uint64
	_       [48]byte // keep each counter on its own cache line
}

// fixtureData is what the fixtures made for the steps.
type fixtureData struct {
	users []target.Identity
	flows []string
	// journey makes new identities and reads mail for journeys.
	journey JourneyFixtures
}

func newTargeter(base string, steps []Step, fx fixtureData) (*targeter, error) {
	t := &targeter{order: weightedOrder(steps), steps: make([]stepTargets, len(steps))}
	for i, st := range steps {
		tgts, err := stepTargetsOf(base, st, fx)
		if err != nil {
			return nil, fmt.Errorf("step %s: %w", st.Name, err)
		}
		t.steps[i].targets = tgts
	}
	return t, nil
}

// Targeter returns the vegeta Targeter.
func (t *targeter) Targeter() vegeta.Targeter { return t.next }

func (t *targeter) next(tgt *vegeta.Target) error {
	i := t.n.Add(1) - 1
	s := &t.steps[t.order[i%uint64(len(t.order))]]
	j := s.n.Add(1) - 1
	*tgt = s.targets[j%uint64(len(s.targets))]
	return nil
}

// weightedOrder interleaves step indices in proportion to their weights
// (nginx's smooth weighted round robin), e.g. weights 3,1 → 0,0,1,0.
func weightedOrder(steps []Step) []uint16 {
	total := 0
	for _, s := range steps {
		total += s.Weight
	}
	cur := make([]int, len(steps))
	order := make([]uint16, 0, total)
	for range total {
		best := 0
		for i, s := range steps {
			cur[i] += s.Weight
			if cur[i] > cur[best] {
				best = i
			}
		}
		cur[best] -= total
		order = append(order, uint16(best))
	}
	return order
}

// joinURL resolves a step URL against the target: absolute URLs stay.
func joinURL(base, ref string) string {
	if strings.Contains(ref, "://") {
		return ref
	}
	return strings.TrimRight(base, "/") + "/" + strings.TrimLeft(ref, "/")
}

func stepTargetsOf(base string, st Step, fx fixtureData) ([]vegeta.Target, error) {
	header := http.Header{}
	method, rawURL := st.Method, joinURL(base, st.URL)
	op, isOp := operations[st.Operation]
	if isOp {
		method, rawURL = op.method, joinURL(base, op.path)
		for k, vs := range op.header {
			header[k] = vs
		}
	}
	for k, vs := range st.Header {
		header[http.CanonicalHeaderKey(k)] = vs
	}
	if st.NoCache {
		header.Set("Cache-Control", "max-age=0")
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("bad url: %w", err)
	}
	u.Fragment = ""
	rawURL = u.String()
	tag := "#" + st.Name

	switch {
	case isOp && op.need == needSessions:
		if len(fx.users) == 0 {
			return nil, fmt.Errorf("needs session tokens")
		}
		tgts := make([]vegeta.Target, len(fx.users))
		for i, usr := range fx.users {
			h := header.Clone()
			h.Set("X-Session-Token", usr.SessionToken)
			tgts[i] = vegeta.Target{Method: method, URL: rawURL + tag, Header: h}
		}
		return tgts, nil
	case isOp && op.need == needLoginFlows:
		if len(fx.users) == 0 || len(fx.flows) == 0 {
			return nil, fmt.Errorf("needs users and login flows")
		}
		bodies := make([][]byte, len(fx.users))
		for i, usr := range fx.users {
			b, err := json.Marshal(usr.PasswordLogin())
			if err != nil {
				return nil, err
			}
			bodies[i] = b
		}
		tgts := make([]vegeta.Target, len(fx.flows))
		for i, id := range fx.flows {
			tgts[i] = vegeta.Target{Method: method, URL: rawURL + "?flow=" + url.QueryEscape(id) + tag,
				Header: header, Body: bodies[i%len(bodies)]}
		}
		return tgts, nil
	default:
		return []vegeta.Target{{Method: method, URL: rawURL + tag, Header: header, Body: st.Body}}, nil
	}
}

// stepOf returns the step name carried by a result's URL and the URL without it.
func stepOf(rawURL string) (step, clean string) {
	i := strings.LastIndexByte(rawURL, '#')
	if i < 0 {
		return "", rawURL
	}
	return rawURL[i+1:], rawURL[:i]
}
