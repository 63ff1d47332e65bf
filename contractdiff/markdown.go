package contractdiff

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// WriteMarkdown writes r as a release note in GitHub-flavoured Markdown:
// a summary line, then a heading for each of the operations added and
// removed, the statuses added and removed, the breaking changes and the
// compatible changes, each with a table (or "None."), in the order of
// r's lists, where a change found on several operations (in a component
// they share) is one row naming them all; and last the other changes, counted by oasdiff rule, whose
// every finding is in the JSON form.
func (r *Report) WriteMarkdown(w io.Writer) error {
	bw := bufio.NewWriter(w)
	var breaking, compatible, other []Change
	for _, c := range r.Changes {
		switch c.Level {
		case LevelBreaking:
			breaking = append(breaking, c)
		case LevelCompatible:
			compatible = append(compatible, c)
		default:
			other = append(other, c)
		}
	}

	fmt.Fprintf(bw, "# FrontendApi contract changes: %s → %s\n\n", r.BaseTitle, r.RevisionTitle)
	fmt.Fprintf(bw, "From `%s` to `%s`, operations tagged `%s`: **%d breaking**, %d compatible, %d for information "+
		"(an operation removed counts as breaking, one added as compatible).\n",
		r.Base, r.Revision, FrontendTag, r.Breaking, r.Compatible, len(other))

	section(bw, "Operations added", len(r.OperationsAdded), []string{"operation", "method", "path"}, func(row func(...string)) {
		for _, o := range r.OperationsAdded {
			row(code(o.ID), o.Method, code(o.Path))
		}
	})
	section(bw, "Operations removed", len(r.OperationsRemoved), []string{"operation", "method", "path"}, func(row func(...string)) {
		for _, o := range r.OperationsRemoved {
			row(code(o.ID), o.Method, code(o.Path))
		}
	})
	section(bw, "Statuses added", len(r.StatusesAdded), []string{"operation", "status"}, func(row func(...string)) {
		for _, p := range r.StatusesAdded {
			row(code(p.Operation), p.Status)
		}
	})
	section(bw, "Statuses removed", len(r.StatusesRemoved), []string{"operation", "status"}, func(row func(...string)) {
		for _, p := range r.StatusesRemoved {
			row(code(p.Operation), p.Status)
		}
	})
	for _, s := range []struct {
		title   string
		changes []Change
	}{{"Breaking changes", breaking}, {"Compatible changes", compatible}} {
		section(bw, s.title, len(s.changes), []string{"rule", "change", "operations"}, func(row func(...string)) {
			for _, g := range grouped(s.changes) {
				row(code(g.id), g.text, g.operations())
			}
		})
	}

	counts, operations := map[string]int{}, map[string]map[string]bool{} // by rule
	for _, c := range other {
		if counts[c.ID]++; operations[c.ID] == nil {
			operations[c.ID] = map[string]bool{}
		}
		operations[c.ID][c.Operation] = true
	}
	section(bw, "Other changes", len(other), []string{"rule", "changes", "operations"}, func(row func(...string)) {
		for _, id := range slices.Sorted(maps.Keys(counts)) {
			row(code(id), strconv.Itoa(counts[id]), strconv.Itoa(len(operations[id])))
		}
	})
	return bw.Flush()
}

// section writes a level-2 heading with its count, then the table that
// rows fills, or "None." when count is 0.
func section(w io.Writer, title string, count int, head []string, rows func(row func(...string))) {
	fmt.Fprintf(w, "\n## %s (%d)\n\n", title, count)
	if count == 0 {
		fmt.Fprintln(w, "None.")
		return
	}
	line := func(cells ...string) {
		for i, c := range cells {
			cells[i] = strings.NewReplacer("|", `\|`, "\n", " ").Replace(c)
			if cells[i] == "" {
				cells[i] = "-"
			}
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
	}
	line(slices.Clone(head)...)
	fmt.Fprintf(w, "|%s\n", strings.Repeat("---|", len(head)))
	rows(line)
}

// code sets s as inline code.
func code(s string) string { return "`" + s + "`" }

// group is one finding made on several operations: a shared component's
// change shows in every response that uses it.
type group struct {
	id, text string
	ops      []string
}

// grouped groups changes by rule and text, in the order of their first
// change.
func grouped(changes []Change) []*group {
	var out []*group
	byKey := map[[2]string]*group{}
	for _, c := range changes {
		k := [2]string{c.ID, c.Text}
		g := byKey[k]
		if g == nil {
			g = &group{id: c.ID, text: c.Text}
			byKey[k] = g
			out = append(out, g)
		}
		if !slices.Contains(g.ops, c.Operation) {
			g.ops = append(g.ops, c.Operation)
		}
	}
	return out
}

// operations lists the group's operations as inline code.
func (g *group) operations() string {
	ops := make([]string, len(g.ops))
	for i, op := range g.ops {
		ops[i] = code(op)
	}
	return strings.Join(ops, ", ")
}
