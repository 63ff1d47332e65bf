package target

import (
	"net/http"
	"regexp"
	"slices"
)

// fakeNetwork is what the fake serves of the routes the Ory Network
// contract adds to Kratos v1.3.1's, shaped as that contract documents them.
// A fake without one serves none of them, as Kratos v1.3.1 does not: its
// router (net/http's, like v1.3.1's httprouter) answers "404 page not
// found", text/plain.
type fakeNetwork struct {
	// FedCMProviders are the providers createFedcmFlow lists.
	FedCMProviders []string
	// SAMLConnections are the ids of the native SAML connections: with
	// none, the SP metadata 404s.
	SAMLConnections []string
}

// networkRoutes adds the Ory Network routes to the fake's public mux.
func (f *fakeKratos) networkRoutes(mux *http.ServeMux, n *fakeNetwork) {
	mux.HandleFunc("GET /self-service/fed-cm/parameters", func(w http.ResponseWriter, r *http.Request) {
		providers := []any{}
		for _, p := range n.FedCMProviders {
			providers = append(providers, map[string]any{"client_id": p, "config_url": "https://" + p + ".example/fedcm.json", "nonce": randomHex(8)})
		}
		writeJSON(w, http.StatusOK, map[string]any{"csrf_token": randomHex(16), "providers": providers})
	})
	metadata := func(w http.ResponseWriter, known bool) {
		if !known {
			writeNotFound(w)
			return
		}
		w.Header().Set("Content-Type", "application/samlmetadata+xml")
		_, _ = w.Write([]byte(`<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="` + f.public.URL + `/self-service/methods/saml/metadata"/>`))
	}
	mux.HandleFunc("GET /self-service/methods/saml/metadata", func(w http.ResponseWriter, r *http.Request) {
		metadata(w, len(n.SAMLConnections) > 0)
	})
	mux.HandleFunc("GET /self-service/methods/saml/metadata/{provider}", func(w http.ResponseWriter, r *http.Request) {
		metadata(w, slices.Contains(n.SAMLConnections, r.PathValue("provider")))
	})
	mux.HandleFunc("GET /.well-known/webauthn", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"origins": []string{fakeUI}})
	})
	mux.HandleFunc("GET /.well-known/change-password", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, fakeUI+"/settings", http.StatusSeeOther)
	})
	// No test flow exists: a well-formed id is not found.
	mux.HandleFunc("DELETE /self-service/login/test", func(w http.ResponseWriter, r *http.Request) {
		if !uuidPattern.MatchString(r.URL.Query().Get("id")) {
			writeError(w, http.StatusBadRequest, "", "invalid flow id", "The request was malformed or contained invalid parameters")
			return
		}
		writeNotFound(w)
	})
}

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
