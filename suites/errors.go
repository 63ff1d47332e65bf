package suites

import (
	"context"
	"net/http"
	"net/url"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/orybench/orybench/internal/localkratos"
	"github.com/orybench/orybench/kratosclient"
)

var _ = Describe("getFlowError", Op("getFlowError"), func() {
	const op = "getFlowError"
	var f *Fixture
	BeforeEach(func() { f = NewFixture() })

	It("answers 200 with the error a browser was sent to the error UI for, no cookie needed", Status(200), Client(kratosclient.Native), func(ctx SpecContext) {
		id := f.flowErrorID(ctx)
		r, err := f.Client(kratosclient.Native).GetFlowError(ctx, id)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusOK)
		fe := decodeFlowError(r)
		Expect(fe.ID).To(Equal(id))
		Expect(fe.Error.ID).To(Equal("self_service_flow_return_to_forbidden"))
		Expect(fe.Error.Code).To(Equal(http.StatusBadRequest))
	})

	It("answers 200 with the built-in stub error", Status(200), Client(kratosclient.Native), func(ctx SpecContext) {
		r, err := f.Client(kratosclient.Native).GetFlowError(ctx, "stub:500")
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusOK)
		Expect(decodeFlowError(r).Error.Code).To(Equal(http.StatusInternalServerError))
	})

	It("answers 404 to an unknown error id", Status(404), Client(kratosclient.Native), func(ctx SpecContext) {
		r, err := f.Client(kratosclient.Native).GetFlowError(ctx, randomFlowID())
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusNotFound)
		Expect(errorCode(r)).To(Equal(http.StatusNotFound))
	})

	It("answers 500 when the error cannot be read from the database", Status(500), Client(kratosclient.Native), Requires(FaultInjection), func(ctx SpecContext) {
		id := f.flowErrorID(ctx)
		f.lockDatabase(ctx)
		r, err := f.Client(kratosclient.Native).GetFlowError(ctx, id)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusInternalServerError)
		Expect(errorCode(r)).To(Equal(http.StatusInternalServerError))
	})
})

// flowError is the part of a flowError body the specs read.
type flowError struct {
	ID    string `json:"id"`
	Error struct {
		ID   string `json:"id"`
		Code int    `json:"code"`
	} `json:"error"`
}

func decodeFlowError(r *kratosclient.Response) flowError {
	GinkgoHelper()
	var fe flowError
	Expect(r.Decode(&fe)).To(Succeed())
	return fe
}

// flowErrorID has Kratos store a flow error and returns its id: a browser
// asking for a login flow with a return_to that is not allowed is sent to
// the error UI with ?id=.
func (f *Fixture) flowErrorID(ctx context.Context) string {
	GinkgoHelper()
	r, err := f.Client(kratosclient.Browser).CreateBrowserLoginFlow(ctx, evilReturnTo)
	Expect(err).NotTo(HaveOccurred())
	Expect(r.Status).To(Equal(http.StatusSeeOther), "login flow with a forbidden return_to")
	loc, err := url.Parse(r.Location())
	Expect(err).NotTo(HaveOccurred())
	if f.t.local != nil {
		Expect(loc.Scheme+"://"+loc.Host+loc.Path).To(Equal(localkratos.UIURL+"/error"), "redirect to the error UI")
	}
	id := loc.Query().Get("id")
	Expect(id).NotTo(BeEmpty(), "no ?id= in %s", loc)
	return id
}
