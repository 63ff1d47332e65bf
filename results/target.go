package results

// DiscoveredTarget is what orybench read from one target's flows and
// identity schema before the run: conformance.json's target.discovered.
type DiscoveredTarget struct {
	Name string `json:"name"`
	URL  string `json:"url"`
	// IdentitySchema is the id of the schema test identities follow;
	// IdentifierTrait the trait they sign in with and EmailTrait the one
	// mail goes to (dotted paths under traits). Traits says where the
	// traits came from: "schema", or "template" for --traits.
	IdentitySchema  string `json:"identity_schema,omitempty"`
	IdentifierTrait string `json:"identifier_trait,omitempty"`
	EmailTrait      string `json:"email_trait,omitempty"`
	Traits          string `json:"traits"`
	// Registration is "open", "closed" or "unknown".
	Registration string `json:"registration"`
	// SessionAfterRegistration: whether registering signed in (absent when
	// it could not be tried).
	SessionAfterRegistration *bool `json:"session_after_registration,omitempty"`
	// LoginMethods and SettingsMethods are the ui.nodes groups of a new
	// login flow and of a signed-in identity's settings flow.
	LoginMethods    []string `json:"login_methods"`
	SettingsMethods []string `json:"settings_methods,omitempty"`
	OIDCProviders   []string `json:"oidc_providers,omitempty"`
	// Recovery and Verification are "code", "link", "disabled" or "unknown".
	Recovery     string `json:"recovery"`
	Verification string `json:"verification"`
	// Capabilities are the target's capabilities in the end: discovered,
	// plus Declared, minus DeclaredAbsent (what is declared wins).
	Capabilities   []string `json:"capabilities"`
	Declared       []string `json:"declared,omitempty"`
	DeclaredAbsent []string `json:"declared_absent,omitempty"`
	Notes          []string `json:"notes,omitempty"`
}

// RateLimits counts how the target rate-limited a run.
type RateLimits struct {
	// MaxRPS is the pace the run kept (0: none).
	MaxRPS float64 `json:"max_rps"`
	// Requests is every request sent; Limited the 429 answers among them.
	Requests int64 `json:"requests"`
	Limited  int64 `json:"limited"`
	// Retried 429s were sent again after the wait they asked for; GaveUp
	// calls still had a 429 after every retry (their cases are skipped,
	// never failed).
	Retried int64   `json:"retried"`
	GaveUp  int64   `json:"gave_up"`
	WaitedS float64 `json:"waited_s"`
	// StorageConflicts is how many answers to set-up steps were transient
	// database conflicts of a Kratos on in-memory SQLite (the courier's
	// write meeting a call's), sent again; an answer under test is never
	// sent again.
	StorageConflicts int64 `json:"storage_conflicts_retried,omitempty"`
}
