package target

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// The admin API of the fake Kratos: identities and courier messages.

func (f *fakeKratos) createIdentity(w http.ResponseWriter, r *http.Request) {
	var body struct {
		SchemaID      string          `json:"schema_id"`
		Traits        map[string]any  `json:"traits"`
		MetadataAdmin json.RawMessage `json:"metadata_admin"`
		Credentials   struct {
			Password struct {
				Config struct {
					Password string `json:"password"`
				} `json:"config"`
			} `json:"password"`
		} `json:"credentials"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, "", err.Error(), "The request was malformed or contained invalid parameters")
		return
	}
	i := slices.IndexFunc(f.cfg.Schemas, func(s fakeSchema) bool { return s.ID == body.SchemaID })
	if i < 0 {
		writeError(w, http.StatusBadRequest, "", fmt.Sprintf("unable to find JSON Schema ID: %s", body.SchemaID), "The request was malformed or contained invalid parameters")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.identifierTaken(str(body.Traits[f.cfg.Schemas[i].Identifier])) {
		writeError(w, http.StatusConflict, "", "This identity conflicts with another identity that already exists.", "The resource could not be created due to a conflict")
		return
	}
	id := f.newIdentity(f.cfg.Schemas[i], body.Traits, body.Credentials.Password.Config.Password)
	id.MetadataAdmin = body.MetadataAdmin
	writeJSON(w, http.StatusCreated, f.identityBody(id))
}

func (f *fakeKratos) listIdentities(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ids []*fakeIdentity
	for _, id := range f.identities {
		if want := r.URL.Query().Get("credentials_identifier"); want == "" || want == id.Identifier {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b *fakeIdentity) int { return strings.Compare(a.ID, b.ID) })
	var items []any
	for _, id := range ids {
		items = append(items, f.identityBody(id))
	}
	writePage(w, r, items, 0)
}

// deleteIdentity deletes an identity and its sessions.
func (f *fakeKratos) deleteIdentity(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := r.PathValue("id")
	if f.identities[id] == nil {
		writeNotFound(w)
		return
	}
	delete(f.identities, id)
	for tok, s := range f.sessions {
		if s.Identity == id {
			delete(f.sessions, tok)
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// listCourierMessages lists the mails to ?recipient=, newest first.
func (f *fakeKratos) listCourierMessages(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := []any{}
	for _, m := range slices.Backward(f.mails) {
		if rcpt := r.URL.Query().Get("recipient"); rcpt == "" || rcpt == m.To {
			out = append(out, mailBody(m))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// writePage writes items[page_token:] up to page_size (capped at limit, 0:
// no cap) with a Link to the next page where there is one.
func writePage(w http.ResponseWriter, r *http.Request, items []any, limit int) {
	q := r.URL.Query()
	size, _ := strconv.Atoi(q.Get("page_size"))
	if size <= 0 || size > 250 {
		size = 250
	}
	if limit > 0 {
		size = min(size, limit)
	}
	from, _ := strconv.Atoi(q.Get("page_token"))
	from = min(max(from, 0), len(items))
	to := min(from+size, len(items))
	link := func(offset int, rel string) string {
		q.Set("page_size", strconv.Itoa(size))
		q.Set("page_token", strconv.Itoa(offset))
		return fmt.Sprintf(`<%s?%s>; rel=%q`, r.URL.Path, q.Encode(), rel)
	}
	links := []string{link(0, "first")}
	if to < len(items) {
		links = append(links, link(to, "next"))
	}
	w.Header().Set("Link", strings.Join(links, ","))
	w.Header().Set("X-Total-Count", strconv.Itoa(len(items)))
	page := items[from:to]
	if page == nil {
		page = []any{}
	}
	writeJSON(w, http.StatusOK, page)
}
