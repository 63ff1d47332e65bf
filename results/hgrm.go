package results

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Distribution is an HdrHistogram percentile distribution (.hgrm): latency
// in milliseconds at each percentile. A load run writes one of the whole
// run and one of each step, corrected and uncorrected, and a journey
// scenario's run one of its whole journeys (ReadLoadRun reads them and
// fills in Name, Step, Uncorrected and Journey).
type Distribution struct {
	Name        string
	Step        string // "" for the whole run or the whole journeys
	Uncorrected bool
	// Journey: the latency of whole journeys, from each arrival's intended
	// start (journey.hgrm), not of single requests.
	Journey   bool
	Points    []PercentilePoint
	Mean, Max float64 // ms
	Total     int64
}

// PercentilePoint is one line of a .hgrm file.
type PercentilePoint struct {
	ValueMS    float64
	Percentile float64 // a fraction in [0, 1]
	Count      int64
}

// ReadHgrm reads a .hgrm file.
func ReadHgrm(path string) (*Distribution, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	d, err := ParseHgrm(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return d, nil
}

// ParseHgrm parses HdrHistogram's percentile distribution text: a header,
// lines of "value percentile count [1/(1-percentile)]", and "#[" footers.
func ParseHgrm(r io.Reader) (*Distribution, error) {
	d := &Distribution{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "", strings.HasPrefix(line, "Value"):
			continue
		case strings.HasPrefix(line, "#["):
			parseHgrmFooter(d, line)
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 3 {
			return nil, fmt.Errorf("line %d: %q is not value, percentile, count", n, line)
		}
		v, err1 := strconv.ParseFloat(fields[0], 64)
		p, err2 := strconv.ParseFloat(fields[1], 64)
		c, err3 := strconv.ParseInt(fields[2], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil || p < 0 || p > 1 {
			return nil, fmt.Errorf("line %d: %q is not value, percentile, count", n, line)
		}
		d.Points = append(d.Points, PercentilePoint{ValueMS: v, Percentile: p, Count: c})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if d.Total == 0 && len(d.Points) > 0 {
		d.Total = d.Points[len(d.Points)-1].Count
	}
	return d, nil
}

// parseHgrmFooter reads "#[Mean    = 5.659, StdDeviation   = 8.440]" and
// "#[Max     = 91.455, Total count    = 2000]".
func parseHgrmFooter(d *Distribution, line string) {
	body := strings.TrimSuffix(strings.TrimPrefix(line, "#["), "]")
	for _, part := range strings.Split(body, ",") {
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch k {
		case "Mean":
			d.Mean, _ = strconv.ParseFloat(v, 64)
		case "Max":
			d.Max, _ = strconv.ParseFloat(v, 64)
		case "Total count":
			d.Total, _ = strconv.ParseInt(v, 10, 64)
		}
	}
}
