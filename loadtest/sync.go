package loadtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// DefaultSyncTimeout is how long a shard waits for the others of its run
// to be ready (WithSync) when no timeout is given.
const DefaultSyncTimeout = 10 * time.Minute

const (
	// syncPoll is how often a waiting shard looks for the others.
	syncPoll = 50 * time.Millisecond
	// syncLead is how long after the last shard was ready they all start:
	// time for every shard to notice.
	syncLead = time.Second
)

// ready is what a shard writes into the sync directory, as ready-INDEX,
// once its fixtures are made.
type ready struct {
	Scenario string    `json:"scenario"`
	Shard    Shard     `json:"shard"`
	At       time.Time `json:"ready_at"`
}

// syncStart waits until every shard of the run has written its ready file
// into dir, at most timeout, then until one second after the last of them
// was ready: the moment all of them start.
func syncStart(ctx context.Context, dir string, p *plan, timeout time.Duration) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return usageErr("sync directory: %v", err)
	}
	own := filepath.Join(dir, fmt.Sprintf("ready-%d", p.shard.Index))
	if _, err := os.Stat(own); err == nil {
		return usageErr("%s exists already: give each run a sync directory of its own", own)
	}
	if err := writeJSON(own, ready{Scenario: p.sc.Name, Shard: p.shard, At: time.Now()}); err != nil {
		return err
	}
	deadline := time.Now().Add(timeout)
	for {
		latest, n, err := readyShards(dir, p)
		if err != nil {
			return err
		}
		all := n == p.shard.Count
		wait := syncPoll
		switch {
		case all: // start at the moment every shard does
			wait = time.Until(latest.Add(syncLead))
		case time.Now().After(deadline):
			return fmt.Errorf("only %d of %d shards were ready in %s after %s", n, p.shard.Count, dir, timeout)
		}
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-time.After(max(wait, 0)):
		}
		if all {
			return nil
		}
	}
}

// readyShards returns how many shards of the run are ready in dir, and
// when the last of them was.
func readyShards(dir string, p *plan) (latest time.Time, n int, err error) {
	for i := 1; i <= p.shard.Count; i++ {
		path := filepath.Join(dir, fmt.Sprintf("ready-%d", i))
		data, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		var r ready
		if err == nil {
			err = json.Unmarshal(data, &r)
		}
		if err != nil {
			return latest, n, fmt.Errorf("%s: %w", path, err)
		}
		if r.Scenario != p.sc.Name || r.Shard != (Shard{i, p.shard.Count}) {
			return latest, n, usageErr("%s is shard %s of scenario %s, not %d/%d of %s: give each run a sync directory of its own",
				path, r.Shard, r.Scenario, i, p.shard.Count, p.sc.Name)
		}
		if r.At.After(latest) {
			latest = r.At
		}
		n++
	}
	return latest, n, nil
}
