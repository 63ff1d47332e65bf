package reports

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/orybench/orybench/results"
)

// journeyView is a journey scenario's whole journeys: how many ran, at
// what rate, how long they took, where they stopped and what they left.
type journeyView struct {
	Tiles []tile
	Stops []results.JourneyStop
	// Identities says what registration journeys made and removed; ""
	// when they made none.
	Identities string
	// Split is a journey's mean time by step, SplitNote what it adds up to.
	Split     []splitPart
	SplitNote string
}

// splitPart is one step's share of a journey's mean time: its requests'
// mean latency (uncorrected: their own) times the requests it made per
// journey started.
type splitPart struct {
	Step, Text, Color string
	Percent           float64
}

// newJourneyView returns the view of j, nil for a run that is no journey.
func newJourneyView(j *results.JourneySummary, steps []results.StepSummary) *journeyView {
	if j == nil {
		return nil
	}
	v := &journeyView{Stops: j.StoppedBy}
	ended := fmt.Sprintf("%s completed, %s stopped", fmtCount(j.Completed), fmtCount(j.Stopped))
	if j.Canceled > 0 {
		ended += ", " + fmtCount(j.Canceled) + " canceled"
	}
	think := "no think time between requests"
	if j.ThinkMs > 0 {
		think = "think " + fmtMS(j.ThinkMs) + " between requests"
	}
	v.Tiles = []tile{
		{Label: "client", Value: clientLabel(j.Client), Sub: think},
		{Label: "journeys/s", Value: trimFloat(j.Rate.Achieved, 2) + "/s", Sub: "requested " + trimFloat(j.Rate.Requested, 2) + "/s", Bad: j.Rate.Achieved < 0.99*j.Rate.Requested},
		{Label: "completed/s", Value: trimFloat(j.CompletedPerS, 2) + "/s", Sub: "journeys that ran every step"},
		{Label: "journeys", Value: fmtCount(j.Started), Sub: ended, Bad: j.Stopped > 0},
		{Label: "journey p50", Value: fmtMS(j.Latency.P50), Sub: "uncorrected " + fmtMS(j.LatencyUncorrected.P50)},
		{Label: "journey p90", Value: fmtMS(j.Latency.P90), Sub: "uncorrected " + fmtMS(j.LatencyUncorrected.P90)},
		{Label: "journey p99", Value: fmtMS(j.Latency.P99), Sub: "uncorrected " + fmtMS(j.LatencyUncorrected.P99)},
		{Label: "journey max", Value: fmtMS(j.Latency.Max), Sub: "uncorrected " + fmtMS(j.LatencyUncorrected.Max)},
	}
	v.Split, v.SplitNote = journeySplit(j, steps)
	if j.IdentitiesRegistered > 0 || j.IdentitiesRemoved > 0 {
		v.Identities = identitiesText(j)
		v.Tiles = append(v.Tiles, tile{Label: "identities", Value: fmtCount(j.IdentitiesRegistered),
			Sub: fmtCount(j.IdentitiesRemoved) + " removed after the run", Bad: j.IdentitiesRemoved < j.IdentitiesRegistered})
	}
	return v
}

// Swatch is the legend's sample of the part's colour.
func (p splitPart) Swatch() string { return legendItem{Color: p.Color, Area: true}.Swatch() }

// journeySplit divides a journey's mean time among its steps. Means add
// up where percentiles do not: a step's share is the mean latency of its
// requests from their actual send times times its requests per journey
// started, and the shares sum to the journeys' uncorrected mean when every
// journey completed.
func journeySplit(j *results.JourneySummary, steps []results.StepSummary) ([]splitPart, string) {
	if j.Started == 0 || len(steps) == 0 {
		return nil, ""
	}
	colors := []string{colBlue, colOrange, colGreen, colPurple, colSky, colVermilion, colYellow, colBlack}
	ms := make([]float64, len(steps))
	total := 0.0
	for i, st := range steps {
		ms[i] = st.LatencyUncorrected.Mean * float64(st.Requests) / float64(j.Started)
		total += ms[i]
	}
	if total <= 0 {
		return nil, ""
	}
	var parts []splitPart
	for i, st := range steps {
		per := float64(st.Requests) / float64(j.Started)
		parts = append(parts, splitPart{Step: st.Name, Color: colors[i%len(colors)], Percent: math.Round(1000*ms[i]/total) / 10,
			Text: fmt.Sprintf("%s mean × %s per journey = %s", fmtMS(st.LatencyUncorrected.Mean), trimFloat(per, 2), fmtMS(ms[i]))})
	}
	note := fmt.Sprintf("Mean time of a journey by step, from each request's actual send: %s in all; the completed journeys' uncorrected mean is %s.",
		fmtMS(total), fmtMS(j.LatencyUncorrected.Mean))
	if j.Stopped > 0 || j.Canceled > 0 {
		note += " Stopped journeys count the requests they made, so the sum is lower than a completed journey's."
	}
	return parts, note
}

// identitiesText says what registration journeys made and removed.
func identitiesText(j *results.JourneySummary) string {
	s := fmt.Sprintf("%d registered (warm-up included), %d removed through the admin API", j.IdentitiesRegistered, j.IdentitiesRemoved)
	if left := int64(j.IdentitiesRegistered) - int64(j.IdentitiesRemoved); left > 0 {
		s += fmt.Sprintf(", %d left for orybench cleanup", left)
	}
	return s
}

// journeyNote says what the journey's latency is.
const journeyNote = "Journey latency runs from each arrival's intended start (corrected for coordinated omission) to its last answer, " +
	"less the think time between its requests; uncorrected, it is the sum of its requests' own latencies. " +
	"Steps below are in the journey's order; a step repeated in a journey counts each of its requests."

func markdownJourney(w io.Writer, j *journeyView) {
	fmt.Fprintf(w, "\n### Journey\n\n")
	var head, vals []string
	for _, t := range j.Tiles {
		head = append(head, t.Label)
		vals = append(vals, t.Value+" ("+t.Sub+")")
	}
	mdTable(w, head, nil, func(row func(...string)) { row(vals...) })
	fmt.Fprintf(w, "\n%s\n", journeyNote)
	if len(j.Split) > 0 {
		fmt.Fprintf(w, "\n%s\n\n", j.SplitNote)
		mdTable(w, []string{"step", "time per journey", "share"}, []bool{false, false, true}, func(row func(...string)) {
			for _, p := range j.Split {
				row("`"+p.Step+"`", p.Text, trimFloat(p.Percent, 1)+"%")
			}
		})
	}
	if j.Identities != "" {
		fmt.Fprintf(w, "\nIdentities: %s.\n", j.Identities)
	}
	if len(j.Stops) > 0 {
		fmt.Fprintf(w, "\n#### Journeys stopped\n\n")
		markdownStops(w, j.Stops)
	}
}

func markdownStops(w io.Writer, stops []results.JourneyStop) {
	mdTable(w, []string{"step", "kind", "journeys"}, []bool{false, false, true}, func(row func(...string)) {
		for _, s := range stops {
			row("`"+s.Step+"`", kindText(s.Kind), fmtCount(s.Count))
		}
	})
}

// writeJourneyText writes a journey's lines of a load run's terminal
// summary into tw (a tabwriter: label, tab, text).
func writeJourneyText(tw io.Writer, j *results.JourneySummary, lat func(results.Latency) string) {
	fmt.Fprintf(tw, "journeys\t%s client, requested %.2f/s, achieved %.2f/s, completed %.2f/s; %d started, %d completed, %d stopped",
		j.Client, j.Rate.Requested, j.Rate.Achieved, j.CompletedPerS, j.Started, j.Completed, j.Stopped)
	if j.Canceled > 0 {
		fmt.Fprintf(tw, ", %d canceled", j.Canceled)
	}
	fmt.Fprintln(tw)
	fmt.Fprintf(tw, "journey\t%s (from intended start)\n", lat(j.Latency))
	fmt.Fprintf(tw, "journey uncorrected\t%s (sum of its requests)\n", lat(j.LatencyUncorrected))
	for _, s := range j.StoppedBy {
		fmt.Fprintf(tw, "stopped by\t%s: %s %d\n", s.Step, kindText(s.Kind), s.Count)
	}
	if j.IdentitiesRegistered > 0 || j.IdentitiesRemoved > 0 {
		fmt.Fprintf(tw, "identities\t%s\n", identitiesText(j))
	}
}

// kindText is an error kind for reading: "unexpected status".
func kindText(k string) string { return strings.ReplaceAll(k, "_", " ") }
