package results

import (
	"strings"
	"testing"
)

func TestParseHgrm(t *testing.T) {
	d, err := ReadHgrm("testdata/unversioned/load-whoami/overall.hgrm")
	if err != nil {
		t.Fatal(err)
	}
	if d.Total == 0 || len(d.Points) < 10 || d.Max <= 0 || d.Mean <= 0 {
		t.Fatalf("parsed %+v", d)
	}
	last := d.Points[len(d.Points)-1]
	if last.Percentile != 1 || last.Count != d.Total {
		t.Errorf("last point %+v, total %d", last, d.Total)
	}
	if _, err := ParseHgrm(strings.NewReader("1.0 2.0\n")); err == nil {
		t.Errorf("a line of two fields parsed")
	}
}
