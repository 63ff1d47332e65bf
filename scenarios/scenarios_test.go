package scenarios_test

import (
	"testing"

	"github.com/orybench/orybench/loadtest"
	"github.com/orybench/orybench/scenarios"
)

func TestBuiltinsParse(t *testing.T) {
	want := []string{"flow-creation", "login", "login-browser", "mixed", "raw", "recovery-code",
		"registration", "registration-browser", "session-lifecycle", "whoami"}
	got := scenarios.Names()
	if len(got) != len(want) {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
	for i, name := range want {
		if got[i] != name {
			t.Fatalf("Names() = %v, want %v", got, want)
		}
		data, file, ok := scenarios.Lookup(name)
		if !ok {
			t.Fatalf("Lookup(%q) found nothing", name)
		}
		sc, err := loadtest.ParseScenario(file, data)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if sc.Name != name {
			t.Errorf("%s: name = %q, want the file's name", file, sc.Name)
		}
		if err := loadtest.Check(sc); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, _, ok := scenarios.Lookup("nope"); ok {
		t.Error(`Lookup("nope") found a scenario`)
	}
}
