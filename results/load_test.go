package results

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// What loadtest writes is what the report reads: every key of a
// SeriesPoint, with its value.
func TestSeriesPointRoundTrip(t *testing.T) {
	v := func(x float64) *float64 { return &x }
	want := SeriesPoint{T: 7, Requests: 100, Errors: 2, RateLimited: 1,
		P50: 1.5, P90: v(2.5), P99: 3.5, Max: 4.5,
		P50Uncorrected: v(1.25), P90Uncorrected: v(2.25), P99Uncorrected: v(3.25), MaxUncorrected: v(4.25),
		StatusCodes: map[string]uint64{"200": 97, "429": 1, "500": 2}}
	data, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	var got SeriesPoint
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read %s as %+v", data, got)
	}
	var keys map[string]any
	if err := json.Unmarshal(data, &keys); err != nil {
		t.Fatal(err)
	}
	rt := reflect.TypeOf(want)
	for i := 0; i < rt.NumField(); i++ {
		if name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ","); keys[name] == nil {
			t.Errorf("%q is not written", name)
		}
	}

	// A second with no answer still writes its zero percentiles.
	zero := 0.0
	data, err = json.Marshal(SeriesPoint{P90: &zero, P50Uncorrected: &zero, P90Uncorrected: &zero, P99Uncorrected: &zero, MaxUncorrected: &zero})
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"p90_ms":0`, `"p50_uncorrected_ms":0`, `"max_uncorrected_ms":0`} {
		if !strings.Contains(string(data), key) {
			t.Errorf("%s lacks %s", data, key)
		}
	}
}

// Runs saved before p90 and the uncorrected percentiles were recorded per
// second read with those absent, not zero.
func TestReadSeriesUnversioned(t *testing.T) {
	pts, err := ReadSeries("testdata/unversioned/load-whoami/timeseries.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 10 || pts[0].T != 0 || pts[9].T != 9 || pts[0].Requests != 200 || pts[0].P50 != 3.495 {
		t.Fatalf("%d points: %+v", len(pts), pts)
	}
	for _, p := range pts {
		if p.P90 != nil || p.P50Uncorrected != nil || p.P90Uncorrected != nil || p.P99Uncorrected != nil || p.MaxUncorrected != nil {
			t.Errorf("second %d: p90 or an uncorrected percentile read from a file without them", p.T)
		}
	}
}

func TestReadSeriesHalfALine(t *testing.T) {
	path := filepath.Join(t.TempDir(), SeriesFile)
	data := `{"t":1,"requests":2,"p50_ms":1}` + "\n\n" + `{"t":0,"requests":1,"p50_ms":1}` + "\n" + `{"t":2,"req`
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	pts, err := ReadSeries(path)
	if err == nil || !strings.HasPrefix(err.Error(), path+":4: ") || len(pts) != 2 {
		t.Errorf("%d points, err %v; want the two whole lines and an error naming line 4", len(pts), err)
	}
	if err := os.WriteFile(path, []byte(data[:strings.LastIndex(data, "\n")]), 0o644); err != nil {
		t.Fatal(err)
	}
	if pts, err = ReadSeries(path); err != nil || len(pts) != 2 || pts[0].T != 0 || pts[1].T != 1 {
		t.Errorf("%+v, %v; want two points in the order of their seconds", pts, err)
	}
}
