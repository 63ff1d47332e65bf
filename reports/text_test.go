package reports

import (
	"bytes"
	"os"
	"testing"

	"github.com/orybench/orybench/results"
)

// testdata/text.golden is what orybench printed for these runs before its
// terminal summaries moved here: the text must not change, but for the
// result of a run that did not complete (INCOMPLETE, not passed).
func TestTextRenderers(t *testing.T) {
	var b bytes.Buffer
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"load-whoami", "load-flow-creation"} {
		r := readFixture(t, "testdata/"+d)
		s := &r.Loads[0].Summary
		check(WriteLoadText(&b, s, "out/"+d))
		// A shard that was interrupted, could not clean up, yet held its
		// thresholds: incomplete.
		s.Shard = &results.ShardSummary{Shard: results.Shard{Index: 2, Count: 3}, Rate: "100/s", DurationS: 10}
		s.Stopped, s.Canceled, s.CleanupError, s.Passed = "interrupted", 3, "could not", true
		check(WriteLoadText(&b, s, "out/"+d))
		s.Shard.Index = 0 // the merge of the shards
		check(WriteLoadText(&b, s, "out/"+d))
	}
	c := readFixture(t, "testdata/capacity-whoami").Capacities[0].Result
	for _, st := range c.Steps {
		check(WriteCapacityStepText(&b, st))
	}
	st := c.Steps[0]
	st.Error = "target down\nmore"
	check(WriteCapacityStepText(&b, st))
	check(WriteCapacityText(&b, &c, "out/cap"))
	c.Found = false
	check(WriteCapacityText(&b, &c, "out/cap"))
	c.Ended = results.EndInterrupted
	check(WriteCapacityText(&b, &c, "out/cap"))

	want, err := os.ReadFile("testdata/text.golden")
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("UPDATE_GOLDEN") != "" {
		check(os.WriteFile("testdata/text.golden", b.Bytes(), 0o644))
		return
	}
	if got := b.String(); got != string(want) {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
