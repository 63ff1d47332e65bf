package contractdiff

import (
	"context"
	"errors"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/oasdiff/oasdiff/checker"
)

// newInNetwork are the frontend operations Ory Network's document has and
// Kratos v1.3.1's has not.
var newInNetwork = []string{
	"createFedcmFlow", "createIdPInitiatedSamlBrowserLoginFlow", "deleteTestLoginFlow",
	"getSamlMetadata", "getSamlProviderMetadata", "getWebAuthnRelatedOrigins",
	"getWellKnownChangePassword", "initSamlLogin", "initSamlLoginRequest",
	"submitSamlAssertion", "updateFedcmFlow",
}

// statusesNewInNetwork are the statuses Ory Network's document adds to
// operations Kratos v1.3.1's has, as "operation status".
var statusesNewInNetwork = []string{
	"createBrowserLoginFlow 403", "createNativeLoginFlow 403", "exchangeSessionToken 422",
	"listMySessions 403", "toSession 400",
}

func operationIDs(ops []Operation) []string {
	var ids []string
	for _, o := range ops {
		ids = append(ids, o.ID)
	}
	return ids
}

func pairs(ps []Pair) []string {
	var s []string
	for _, p := range ps {
		s = append(s, p.Operation+" "+p.Status)
	}
	return s
}

// enumValueAdded matches oasdiff's message for a value added to a
// response property's enum.
var enumValueAdded = regexp.MustCompile("^added the new `([^`]*)` enum value to the `([^`]*)` response property")

// enumAdditions lists, as "operation status", where r reports value added
// to the enum of the response property prop, failing t if one of them is
// not breaking.
func enumAdditions(t *testing.T, r *Report, value, prop string) []string {
	t.Helper()
	var at []string
	for _, c := range r.Changes {
		m := enumValueAdded.FindStringSubmatch(c.Text)
		if c.ID != checker.ResponsePropertyEnumValueAddedId || m == nil || m[1] != value || m[2] != prop {
			continue
		}
		if c.Level != LevelBreaking {
			t.Errorf("%s %s: %q is %s, want breaking", c.Operation, c.Status, c.Text, c.Level)
		}
		at = append(at, c.Operation+" "+c.Status)
	}
	return at
}

func TestCompareKratosToNetwork(t *testing.T) {
	r := compare(t, loadDoc(t, "kratos"), loadDoc(t, "network"))

	if got := operationIDs(r.OperationsAdded); !slices.Equal(got, newInNetwork) {
		t.Errorf("operations added:\n got %q\nwant %q", got, newInNetwork)
	}
	if len(r.OperationsRemoved) != 0 {
		t.Errorf("operations removed: %v, want none", r.OperationsRemoved)
	}
	if got := pairs(r.StatusesAdded); !slices.Equal(got, statusesNewInNetwork) {
		t.Errorf("statuses added:\n got %q\nwant %q", got, statusesNewInNetwork)
	}
	if len(r.StatusesRemoved) != 0 {
		t.Errorf("statuses removed: %v, want none", r.StatusesRemoved)
	}
	if !r.HasBreaking() {
		t.Error("HasBreaking() = false")
	}

	// The ui node group enum (uiNode.group) gains captcha and deviceauthn
	// wherever a response carries a flow's ui: the create and get of every
	// flow, the 400 of every update, and the 200 of the updates that
	// answer with the flow.
	var flowUI []string
	for _, f := range []string{"Login", "Recovery", "Registration", "Settings", "Verification"} {
		flowUI = append(flowUI, "createBrowser"+f+"Flow 200", "createNative"+f+"Flow 200", "get"+f+"Flow 200", "update"+f+"Flow 400")
	}
	flowUI = append(flowUI, "updateRecoveryFlow 200", "updateSettingsFlow 200", "updateVerificationFlow 200")
	slices.Sort(flowUI)
	for _, value := range []string{"captcha", "deviceauthn"} {
		if got := enumAdditions(t, r, value, "ui/nodes/items/group"); !slices.Equal(got, flowUI) {
			t.Errorf("%s added to ui/nodes/items/group at:\n got %q\nwant %q", value, got, flowUI)
		}
	}
	// deviceauthn is also a new authentication method of a session and a
	// new credential type of an identity.
	for _, want := range []struct{ prop, at string }{
		{"authentication_methods/items/method", "toSession 200"},
		{"items/authentication_methods/items/method", "listMySessions 200"},
		{"session/authentication_methods/items/method", "updateLoginFlow 200"},
		{"session/authentication_methods/items/method", "exchangeSessionToken 200"},
		{"identity/credentials/additionalProperties/type", "toSession 200"},
		{"active", "getLoginFlow 200"},
	} {
		if got := enumAdditions(t, r, "deviceauthn", want.prop); !slices.Contains(got, want.at) {
			t.Errorf("deviceauthn added to %s: at %q, want at %s", want.prop, got, want.at)
		}
	}

	breaking, compatible := len(r.OperationsRemoved), len(r.OperationsAdded)
	for _, c := range r.Changes {
		// Kratos's `cookie` header parameter is Ory Network's `Cookie`: one header
		if strings.Contains(strings.ToLower(c.Text), "header` request parameter `cookie`") {
			t.Errorf("a header's case is reported as a change: %+v", c)
		}
		if slices.Contains(newInNetwork, c.Operation) {
			t.Errorf("a change on the new operation %s: %+v", c.Operation, c)
		}
		switch c.Level {
		case LevelBreaking:
			breaking++
		case LevelCompatible:
			compatible++
		}
	}
	if r.Breaking != breaking || r.Compatible != compatible {
		t.Errorf("counts: breaking %d, compatible %d; want %d, %d", r.Breaking, r.Compatible, breaking, compatible)
	}
	t.Logf("%d changes: %d breaking, %d compatible (with the operations added and removed)", len(r.Changes), r.Breaking, r.Compatible)
}

func TestCompareNetworkToKratos(t *testing.T) {
	r := compare(t, loadDoc(t, "network"), loadDoc(t, "kratos"))
	if got := operationIDs(r.OperationsRemoved); !slices.Equal(got, newInNetwork) {
		t.Errorf("operations removed:\n got %q\nwant %q", got, newInNetwork)
	}
	if got := pairs(r.StatusesRemoved); !slices.Equal(got, statusesNewInNetwork) {
		t.Errorf("statuses removed:\n got %q\nwant %q", got, statusesNewInNetwork)
	}
	if len(r.OperationsAdded) != 0 || len(r.StatusesAdded) != 0 {
		t.Errorf("added: operations %v, statuses %v; want none", r.OperationsAdded, r.StatusesAdded)
	}
	if !r.HasBreaking() {
		t.Error("HasBreaking() = false with operations removed")
	}
}

func TestCompareWithItselfIsEmpty(t *testing.T) {
	for _, which := range []string{"kratos", "network"} {
		t.Run(which, func(t *testing.T) {
			doc := loadDoc(t, which)
			r := compare(t, doc, doc)
			want := newReport(doc, doc)
			if !reflect.DeepEqual(r, want) {
				t.Errorf("got %+v\nwant an empty report", r)
			}
			if r.HasBreaking() {
				t.Error("HasBreaking() = true")
			}
		})
	}
}

// TestCompareClassifies compares two small contracts that change in each
// way issue 14 classifies, and more, and checks every finding.
func TestCompareClassifies(t *testing.T) {
	r := compare(t, testdataDoc(t, "base"), testdataDoc(t, "revision"))
	if got := operationIDs(r.OperationsAdded); !slices.Equal(got, []string{"getNew"}) {
		t.Errorf("operations added: %q, want getNew alone (deleteThings is not tagged frontend)", got)
	}
	if got := operationIDs(r.OperationsRemoved); !slices.Equal(got, []string{"getOld"}) {
		t.Errorf("operations removed: %q, want getOld", got)
	}
	if got := pairs(r.StatusesAdded); !slices.Equal(got, []string{"getThing 404"}) {
		t.Errorf("statuses added: %q, want getThing 404", got)
	}
	want := []string{
		"getThing 200 compatible " + checker.ResponseOptionalPropertyAddedId, // extra
		"getThing 200 breaking " + checker.ResponseOptionalPropertyRemovedId, // gone
		"getThing 200 breaking " + checker.ResponsePropertyBecameOptionalId,  // label
		"getThing 200 breaking " + checker.ResponsePropertyEnumValueAddedId,  // kind: c
		"getThing 200 breaking " + checker.ResponsePropertyTypeChangedId,     // count: integer → string
		"updateThing  compatible " + checker.NewOptionalRequestPropertyId,    // note, in the request
	}
	var got []string
	for _, c := range r.Changes {
		got = append(got, strings.Join([]string{c.Operation, c.Status, c.Level, c.ID}, " "))
	}
	if !slices.Equal(got, want) {
		t.Errorf("changes:\n got %q\nwant %q", got, want)
	}
	if r.Breaking != 5 || r.Compatible != 3 {
		t.Errorf("breaking %d, compatible %d; want 5 (4 changes, getOld removed), 3 (2 changes, getNew added)", r.Breaking, r.Compatible)
	}
}

func TestCompareRejects(t *testing.T) {
	good := testdataDoc(t, "base")
	for _, tc := range []struct{ name, doc, want string }{
		{"not YAML", "{not: [yaml", "not an OpenAPI document"},
		{"no openapi field", "info: {title: t}\npaths: {}\n", "not an OpenAPI 3 document"},
		{"Swagger 2", "swagger: \"2.0\"\ninfo: {title: t, version: \"1\"}\npaths: {}\n", "not an OpenAPI 3 document"},
		{"no frontend operation", strings.ReplaceAll(string(good.OpenAPI), "[frontend]", "[identity]"), "no operation is tagged frontend"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := Document{Name: "odd", OpenAPI: []byte(tc.doc)}
			for _, side := range []string{"base", "revision"} {
				base, revision := bad, good
				if side == "revision" {
					base, revision = good, bad
				}
				_, err := Compare(context.Background(), base, revision)
				if err == nil || !strings.HasPrefix(err.Error(), side+` "odd": `) || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("bad %s: error %v, want one naming %s \"odd\" and saying %q", side, err, side, tc.want)
				}
			}
		})
	}
}

func TestCompareCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Compare(ctx, testdataDoc(t, "base"), testdataDoc(t, "revision"))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
}

// TestClassificationOfIssue14 pins the classification classify documents:
// the rules it overrides are oasdiff's, and the rules it leaves to oasdiff
// have the level that makes them breaking.
func TestClassificationOfIssue14(t *testing.T) {
	levels := checker.GetCheckLevels()
	for _, tc := range []struct {
		id   string
		want string
	}{
		{checker.ResponseOptionalPropertyRemovedId, LevelBreaking},
		{checker.ResponseOptionalPropertyAddedId, LevelCompatible},
		{checker.ResponseRequiredPropertyAddedId, LevelCompatible},
		{checker.NewOptionalRequestPropertyId, LevelCompatible},
		{checker.NewOptionalRequestParameterId, LevelCompatible},
		{checker.ResponseRequiredPropertyRemovedId, LevelBreaking},
		{checker.ResponsePropertyBecameOptionalId, LevelBreaking},
		{checker.ResponsePropertyTypeChangedId, LevelBreaking},
		{checker.ResponseBodyTypeChangedId, LevelBreaking},
		{checker.ResponsePropertyEnumValueAddedId, LevelBreaking},
		{checker.ResponseMediaTypeEnumValueAddedId, LevelBreaking},
	} {
		level, ok := levels[tc.id]
		if !ok {
			t.Errorf("oasdiff has no rule %s", tc.id)
			continue
		}
		if got := classify(tc.id, level); got != tc.want {
			t.Errorf("%s (oasdiff %s) is %s, want %s", tc.id, level, got, tc.want)
		}
	}
	for level, want := range map[checker.Level]string{checker.ERR: LevelBreaking, checker.WARN: LevelBreaking, checker.INFO: LevelInfo} {
		if got := classify("any-other-rule", level); got != want {
			t.Errorf("another rule at %s is %s, want %s", level, got, want)
		}
	}
}

func BenchmarkCompare(b *testing.B) {
	kratos, network := loadDoc(b, "kratos"), loadDoc(b, "network")
	for b.Loop() {
		if _, err := Compare(context.Background(), kratos, network); err != nil {
			b.Fatal(err)
		}
	}
}
