package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/orybench/orybench/internal/redact"
	"github.com/orybench/orybench/results"
)

// fuzzView is a fuzz run's section: its run, its findings and its stale
// allow-list entries.
type fuzzView struct {
	Meta     runRow
	Tiles    []tile
	Details  []kv
	Findings []fuzzFindingView
	Stale    []string
}

type fuzzFindingView struct {
	Op, Check, Detail, Mode, Message string
	Status, Case, Count, Shrinks     int
	// Input is the shrunk request as indented JSON (live values as
	// placeholders); Curl the command that sends it, secrets redacted.
	Input, Curl string
	Allowed     bool
}

func newFuzzView(f *results.FuzzRun, anchors map[string]int) fuzzView {
	r := f.Result
	anchor := uniqueAnchor("fuzz", anchors)
	v := fuzzView{Stale: r.Stale}
	v.Meta = runRow{Anchor: anchor, Kind: "fuzz", Name: "fuzz: seed " + strconv.FormatUint(r.Seed, 10),
		Target: targetText(r.Target), Kratos: orNot(""), Orybench: orNot(r.Orybench),
		Started: orNot(fmtTime(r.StartedAt)), Duration: fmtSeconds(r.DurationS), Command: orNot(scrubCommand(r.Command)),
		Result: r.Verdict()}.withContract(r.Contract)
	fresh := 0
	for _, x := range r.Findings {
		if !x.Allowed {
			fresh++
		}
	}
	v.Meta.Verdict = fmt.Sprintf("%d findings, %d not in the allow-list, %d allow-list entries stale", len(r.Findings), fresh, len(r.Stale))
	if why := r.Incomplete(); why != "" {
		v.Meta.Verdict += "; incomplete: " + why
	}
	v.Tiles = []tile{
		{Label: "requests", Value: fmtCount(uint64(max(r.Cases, 0))), Sub: fmt.Sprintf("+%s shrinking, in %s", fmtCount(uint64(max(r.ShrinkRequests, 0))), fmtSeconds(r.DurationS))},
		{Label: "new findings", Value: strconv.Itoa(fresh), Sub: "not in the allow-list", Bad: fresh > 0},
		{Label: "allowed findings", Value: strconv.Itoa(len(r.Findings) - fresh), Sub: "in the allow-list"},
		{Label: "stale entries", Value: strconv.Itoa(len(r.Stale)), Sub: "allowed, no longer found", Bad: len(r.Stale) > 0},
		{Label: "stopped", Value: orNot(r.Stopped), Sub: "why the run ended", Bad: r.Incomplete() != ""},
	}
	ops := slices.Sorted(maps.Keys(r.Operations))
	perOp := make([]string, len(ops))
	for i, op := range ops {
		perOp[i] = fmt.Sprintf("%s %s", op, fmtCount(uint64(max(r.Operations[op], 0))))
	}
	v.Details = []kv{
		{"seed", strconv.FormatUint(r.Seed, 10) + " (orybench fuzz --seed " + strconv.FormatUint(r.Seed, 10) + " sends the same requests)"},
		{"not sent", fmtCount(uint64(max(r.SetupErrors, 0))) + " cases: their live flow or session could not be made"},
		{"requests by operation", orDefault(strings.Join(perOp, ", "), "none")},
	}
	for _, x := range r.Findings {
		v.Findings = append(v.Findings, fuzzFindingView{Op: x.Operation, Status: x.Status, Check: x.Check, Detail: x.Detail,
			Mode: x.Mode, Message: redact.Clip(redact.Prose(x.Message), 1000), Case: x.Case, Count: x.Count, Shrinks: x.Shrinks,
			Input: redact.Clip(inputText(x.Input), 4000), Curl: x.Curl, Allowed: x.Allowed})
	}
	// The new findings first: they are what fails the run.
	slices.SortStableFunc(v.Findings, func(a, b fuzzFindingView) int {
		switch {
		case a.Allowed == b.Allowed:
			return 0
		case !a.Allowed:
			return -1
		}
		return 1
	})
	return v
}

// inputText is a finding's shrunk request as indented JSON.
func inputText(in any) string {
	if in == nil {
		return ""
	}
	b, err := json.MarshalIndent(in, "", "  ")
	if err != nil {
		return fmt.Sprint(in)
	}
	return string(b)
}

func markdownFuzz(w io.Writer, v fuzzView) {
	markdownRunHead(w, v.Meta, v.Tiles)
	if len(v.Findings) > 0 {
		fmt.Fprintf(w, "\n### Findings (%d)\n\n", len(v.Findings))
		mdTable(w, []string{"result", "operation", "status", "check", "error id / schema pointer", "message", "reproduce"}, nil, func(row func(...string)) {
			for _, f := range v.Findings {
				mark := "❌ new"
				if f.Allowed {
					mark = "allowed"
				}
				row(mark, mdCode(f.Op), strconv.Itoa(f.Status), f.Check, mdCode(f.Detail), redact.Clip(f.Message, 300), mdCode(f.Curl))
			}
		})
	}
	if len(v.Stale) > 0 {
		fmt.Fprintf(w, "\n### Stale allow-list entries (%d)\n\nThe allow-list accepts these findings; the run no longer found them.\n\n", len(v.Stale))
		for _, k := range v.Stale {
			fmt.Fprintf(w, "- ❌ %s\n", mdCode(k))
		}
	}
}

// mdCode is s as a Markdown code span, fenced by more backticks than it
// holds in a row.
func mdCode(s string) string {
	if s == "" {
		return ""
	}
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	if fence == "`" {
		return fence + s + fence
	}
	return fence + " " + s + " " + fence
}
