package reports

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/orybench/orybench/internal/redact"
	"github.com/orybench/orybench/results"
)

// WriteMarkdown writes summary.md: the report as GitHub-flavoured Markdown
// tables, no HTML, for $GITHUB_STEP_SUMMARY.
func (r *Report) WriteMarkdown(w io.Writer) error {
	bw := bufio.NewWriter(w)
	p := r.page()
	verdict := map[results.Verdict]string{results.VerdictPassed: "✅ PASSED", results.VerdictIncomplete: "⚠️ INCOMPLETE"}[p.Result]
	if verdict == "" {
		verdict = "❌ FAILED"
	}
	fmt.Fprintf(bw, "# orybench report: %s\n\ncontract: %s\n\n", verdict, p.Contracts)
	for _, why := range p.Incomplete {
		fmt.Fprintf(bw, "- **incomplete**: %s\n", mdCell(why))
	}
	if len(p.Incomplete) > 0 {
		fmt.Fprintln(bw)
	}
	mdTable(bw, []string{"run", "result", "target", "contract", "Kratos", "orybench", "started", "duration", "command"}, nil, func(row func(...string)) {
		for _, run := range p.Runs {
			row(run.Name, passText(run.Result)+" "+run.Verdict, "`"+run.Target+"`", run.Contract, run.Kratos, run.Orybench, run.Started, run.Duration, "`"+run.Command+"`")
		}
	})
	if c := p.Conf; c != nil {
		r.markdownConformance(bw, c)
	}
	for _, l := range p.Loads {
		markdownLoad(bw, l)
	}
	for _, c := range p.Capacities {
		markdownCapacity(bw, c)
	}
	for _, f := range p.Fuzzes {
		markdownFuzz(bw, f)
	}
	fmt.Fprintf(bw, "\n---\ngenerated %s by orybench %s; charts and every case are in report.html.\n", p.GeneratedAt, p.Orybench)
	return bw.Flush()
}

func (r *Report) markdownConformance(w io.Writer, c *confView) {
	cov := c.Coverage
	fmt.Fprintf(w, "\n## Conformance: %s\n\n", passText(c.Meta.Result))
	setup := ""
	if cov.SetupFailedPairs > 0 {
		setup = fmt.Sprintf("**%d** set-up failed (contract not checked), ", cov.SetupFailedPairs)
	}
	fmt.Fprintf(w, "%d documented pairs, %d cases: **%d** passed, **%d** deviating (known), **%d** failed, %s**%d** skipped, **%d** untriggerable.\n",
		cov.DocumentedPairs, c.CaseCount, cov.PassedPairs, cov.DeviatingPairs, cov.FailedPairs, setup, cov.SkippedPairs, cov.UntriggerablePairs)
	if len(c.Facts) > 0 {
		fmt.Fprintln(w)
		for _, f := range c.Facts {
			fmt.Fprintf(w, "- **%s**: %s\n", f.K, mdCell(f.V))
		}
	}
	if len(c.Failures) > 0 {
		fmt.Fprintf(w, "\n### Failed cases (%d)\n\n", len(c.Failures))
		mdTable(w, []string{"operation", "client", "case", "request", "expected", "actual", "schema violations", "message"}, nil, func(row func(...string)) {
			for _, f := range c.Failures {
				actual := "-"
				if f.Actual != 0 {
					actual = strconv.Itoa(f.Actual)
				}
				var viol []string
				for _, v := range f.Violations {
					if v.Deviation == "" {
						viol = append(viol, fmt.Sprintf("`%s` %s: expected %s, found %s", orDefault(v.Pointer, "(body)"), v.Rule, v.Expected, v.Found))
					}
				}
				message := firstLineOf(orDefault(f.Message, f.Reason))
				if f.Setup {
					message = f.Reason // "set-up failed: " the step and its answer
				}
				row("`"+f.Op+"`", f.Client, f.Name, "`"+strings.TrimSpace(f.Method+" "+f.URL)+"`", strconv.Itoa(f.Expected), actual,
					strings.Join(viol, "; "), redact.Clip(message, 300))
			}
		})
	}
	fmt.Fprintf(w, "\n### Coverage matrix\n\n")
	head := []string{"operation"}
	align := []bool{false}
	for _, s := range c.Statuses {
		head = append(head, strconv.Itoa(s))
		align = append(align, true)
	}
	mdTable(w, head, align, func(row func(...string)) {
		for _, mr := range c.Rows {
			cells := []string{"`" + mr.Op + "`"}
			for _, cell := range mr.Cells {
				switch {
				case !cell.Documented:
					cells = append(cells, "·")
				case cell.Class == "fail":
					cells = append(cells, "**FAIL**")
				default:
					cells = append(cells, cell.Mark)
				}
			}
			row(cells...)
		}
	})
	fmt.Fprintf(w, "\n%s\n", strings.Replace(matrixLegend, ". = not documented", "· = not documented", 1))
	if len(c.Deviations) > 0 {
		fmt.Fprintf(w, "\n### Known spec deviations (%d)\n\n", len(c.Deviations))
		mdTable(w, []string{"deviation", "pairs", "upstream"}, nil, func(row func(...string)) {
			for _, d := range c.Deviations {
				up := "-"
				if u := safeURL(d.Upstream); u != "" {
					up = "[" + shortLink(u) + "](" + u + ")"
				}
				row("`"+d.ID+"`", strings.Join(d.Pairs, ", "), up)
			}
		})
	}
	if len(c.Notes) > 0 {
		fmt.Fprintf(w, "\n### Pairs not judged (%d)\n\n", len(c.Notes))
		mdTable(w, []string{"", "pair", "why"}, nil, func(row func(...string)) {
			for _, n := range c.Notes {
				row(n.Mark, "`"+n.Pair+"`", n.Reason)
			}
		})
	}
}

func markdownLoad(w io.Writer, l loadView) {
	markdownRunHead(w, l.Meta, l.Summary.Tiles)
	if l.Journey != nil {
		markdownJourney(w, l.Journey)
	}
	markdownServer(w, l.Server)
	if len(l.Thresholds) > 0 {
		fmt.Fprintf(w, "\n### Thresholds\n\n")
		mdTable(w, []string{"result", "threshold", "applies to", "actual"}, []bool{false, false, false, true}, func(row func(...string)) {
			for _, t := range l.Thresholds {
				res := "✅ held"
				if !t.OK {
					res = "❌ **BREACHED**"
				}
				row(res, "`"+t.Expr+"`", t.Step, t.Actual)
			}
		})
	}
	if len(l.Steps) > 0 {
		fmt.Fprintf(w, "\n### Steps (latency corrected / uncorrected)\n\n")
		mdTable(w, []string{"step", "requests", "p50", "p90", "p99", "p99.9", "max", "status codes", "errors"},
			[]bool{false, true, true, true, true, true, true, false, false}, func(row func(...string)) {
				for _, s := range l.Steps {
					cells := []string{"`" + s.Name + "`", s.Requests}
					for i := 0; i < 5; i++ {
						cells = append(cells, s.Corrected[i]+" / "+s.Uncorrected[i])
					}
					row(append(cells, s.Codes, s.Errors)...)
				}
			})
	}
}

// markdownRunHead writes a run's heading, its verdict and its tiles as a
// one-row table.
func markdownRunHead(w io.Writer, meta runRow, tiles []tile) {
	fmt.Fprintf(w, "\n## %s: %s\n\n%s.\n\n", strings.ToUpper(meta.Name[:1])+meta.Name[1:], passText(meta.Result), meta.Verdict)
	var head, vals []string
	for _, t := range tiles {
		head = append(head, t.Label)
		vals = append(vals, t.Value+" ("+t.Sub+")")
	}
	mdTable(w, head, nil, func(row func(...string)) { row(vals...) })
}

// mdTable writes a Markdown table; rows are added through row. align marks
// right-aligned columns.
func mdTable(w io.Writer, head []string, right []bool, rows func(row func(...string))) {
	line := func(cells []string) {
		for i := range cells {
			cells[i] = mdCell(cells[i])
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
	}
	line(append([]string(nil), head...))
	sep := make([]string, len(head))
	for i := range sep {
		sep[i] = "---"
		if i < len(right) && right[i] {
			sep[i] = "--:"
		}
	}
	fmt.Fprintf(w, "|%s|\n", strings.Join(sep, "|"))
	rows(func(cells ...string) { line(cells) })
}

// mdCell keeps a value inside its cell: no bare pipes, no line breaks.
func mdCell(s string) string {
	s = strings.NewReplacer("|", `\|`, "\r", " ", "\n", " ").Replace(s)
	if s == "" || s == "``" {
		return "-"
	}
	return s
}

// passText is a run's verdict in Markdown.
func passText(v results.Verdict) string {
	switch v {
	case results.VerdictPassed:
		return "passed"
	case results.VerdictIncomplete:
		return "**INCOMPLETE**"
	}
	return "**FAILED**"
}

func firstLineOf(s string) string {
	first, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return first
}

// shortLink names a link by its host and the end of its path.
func shortLink(u string) string {
	rest := strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://")
	if host, path, ok := strings.Cut(rest, "/"); ok && host == "github.com" {
		return path
	}
	return rest
}
