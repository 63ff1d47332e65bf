package target

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestDatabaseSampleOnlyOfALocalPostgresProfile(t *testing.T) {
	tgt := &Target{name: "target"}
	_, err := tgt.DatabaseSample(context.Background())
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "target is not a local PostgreSQL profile") {
		t.Errorf("DatabaseSample of a remote target: %v", err)
	}
	if n := tgt.DatabasePoolSize(); n != 0 {
		t.Errorf("DatabasePoolSize of a remote target = %d, want 0", n)
	}
}
