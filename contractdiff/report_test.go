package contractdiff

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

var headings = []string{
	"# FrontendApi contract changes: ",
	"\n## Operations added (", "\n## Operations removed (",
	"\n## Statuses added (", "\n## Statuses removed (",
	"\n## Breaking changes (", "\n## Compatible changes (", "\n## Other changes (",
}

func markdown(t *testing.T, r *Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := r.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestWriteMarkdown(t *testing.T) {
	r := compare(t, loadDoc(t, "kratos"), loadDoc(t, "network"))
	md := markdown(t, r)
	for _, h := range append(headings, "# FrontendApi contract changes: Ory Kratos v1.3.1 → Ory Network, SDK v1.22.92\n",
		"\n## Operations added (11)\n", "\n## Operations removed (0)\n\nNone.\n", "\n## Statuses added (5)\n") {
		if strings.Count(md, h) != 1 {
			t.Errorf("%q appears %d times, want once", h, strings.Count(md, h))
		}
	}
	for _, id := range newInNetwork {
		if n := strings.Count(md, "`"+id+"`"); n != 1 {
			t.Errorf("new operation %s appears %d times, want once", id, n)
		}
	}
	for _, p := range r.StatusesAdded {
		if row := "| `" + p.Operation + "` | " + p.Status + " |\n"; !strings.Contains(md, row) {
			t.Errorf("no row %q", row)
		}
	}
	// every breaking and compatible change is in a row of its rule and
	// text, which names its operation; a pipe in a message (a pattern's
	// alternatives) is escaped so that it stays in its cell
	for _, c := range r.Changes {
		start := "| `" + c.ID + "` | " + strings.ReplaceAll(c.Text, "|", `\|`) + " | "
		in := false
		for _, line := range strings.Split(md, "\n") {
			ops, ok := strings.CutPrefix(line, start)
			in = in || ok && slices.Contains(strings.Split(strings.TrimSuffix(ops, " |"), ", "), "`"+c.Operation+"`")
		}
		if in != (c.Level != LevelInfo) {
			t.Errorf("%s change %+v: row in the Markdown %v", c.Level, c, in)
		}
	}
	if n := strings.Count(md, "added the new `captcha` enum value to the `ui/nodes/items/group` response property"); n != 2 {
		t.Errorf("the captcha group's addition is in %d rows, want 2 (one per status: 200, 400)", n)
	}
}

func TestWriteMarkdownEmpty(t *testing.T) {
	doc := testdataDoc(t, "base")
	md := markdown(t, compare(t, doc, doc))
	for _, h := range headings {
		if !strings.Contains(md, h) {
			t.Errorf("no heading %q", h)
		}
	}
	if n := strings.Count(md, "\nNone.\n"); n != 7 {
		t.Errorf("%d sections say None., want all 7:\n%s", n, md)
	}
	if !strings.Contains(md, "**0 breaking**, 0 compatible, 0 for information") {
		t.Errorf("no zero summary:\n%s", md)
	}
}

func TestReportJSON(t *testing.T) {
	for _, tc := range []struct {
		name string
		docs func(t *testing.T) (Document, Document)
	}{
		{"testdata", func(t *testing.T) (Document, Document) { return testdataDoc(t, "base"), testdataDoc(t, "revision") }},
		{"empty", func(t *testing.T) (Document, Document) { return testdataDoc(t, "base"), testdataDoc(t, "base") }},
		{"kratos to network", func(t *testing.T) (Document, Document) { return loadDoc(t, "kratos"), loadDoc(t, "network") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base, revision := tc.docs(t)
			r := compare(t, base, revision)
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			var back Report
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(&back, r) {
				t.Errorf("round trip:\n got %+v\nwant %+v", back, *r)
			}
			var fields map[string]json.RawMessage
			if err := json.Unmarshal(b, &fields); err != nil {
				t.Fatal(err)
			}
			if string(fields["format_version"]) != "1" {
				t.Errorf("format_version %s, want 1", fields["format_version"])
			}
			for _, k := range []string{"base", "base_title", "revision", "revision_title", "operations_added", "operations_removed",
				"statuses_added", "statuses_removed", "changes", "breaking", "compatible"} {
				if _, ok := fields[k]; !ok {
					t.Errorf("no field %s", k)
				}
			}
			if strings.Contains(string(b), ":null") {
				t.Error("a null list in the JSON")
			}
			again, err := json.Marshal(compare(t, base, revision))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again, b) {
				t.Error("a second Compare marshals differently")
			}
		})
	}
}
