package reports

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/orybench/orybench/internal/redact"
	"github.com/orybench/orybench/results"
)

// trimFloat formats v with at most prec decimals and no trailing zeros.
func trimFloat(v float64, prec int) string {
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// fmtMS formats a latency in milliseconds with three significant digits.
func fmtMS(v float64) string {
	switch {
	case v == 0:
		return "0 ms"
	case v >= 10000:
		return trimFloat(v/1000, 1) + " s"
	case v >= 100:
		return trimFloat(v, 0) + " ms"
	case v >= 10:
		return trimFloat(v, 1) + " ms"
	}
	return trimFloat(v, 2) + " ms"
}

// fmtCount writes n with thin grouping: 1 234 567.
func fmtCount(n uint64) string {
	s := strconv.FormatUint(n, 10)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteRune(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// fmtSeconds formats a duration given in seconds: "28.1 s", "10 min 2 s".
func fmtSeconds(s float64) string {
	if s < 60 {
		return trimFloat(s, 1) + " s"
	}
	d := time.Duration(math.Round(s)) * time.Second
	h, m, sec := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	switch {
	case h > 0:
		return fmt.Sprintf("%d h %d min", h, m)
	case sec == 0:
		return fmt.Sprintf("%d min", m)
	}
	return fmt.Sprintf("%d min %d s", m, sec)
}

// fmtClock formats seconds since a run's start as m:ss or h:mm:ss.
func fmtClock(s float64) string {
	t := int(math.Round(s))
	if t >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", t/3600, t/60%60, t%60)
	}
	return fmt.Sprintf("%d:%02d", t/60, t%60)
}

// fmtTime formats an RFC 3339 time for people, UTC.
func fmtTime(s string) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// orNot returns s, or a dash that says it was not recorded.
func orNot(s string) string {
	if strings.TrimSpace(s) == "" {
		return "not recorded"
	}
	return s
}

// sortedCodes returns the status codes of m, numerically.
func sortedCodes(m map[string]uint64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, errA := strconv.Atoi(keys[i])
		b, errB := strconv.Atoi(keys[j])
		if errA == nil && errB == nil {
			return a < b
		}
		return keys[i] < keys[j]
	})
	return keys
}

// fmtCodes formats status counts: "200: 1,990 · 429: 10".
func fmtCodes(m map[string]uint64) string {
	if len(m) == 0 {
		return "none"
	}
	var parts []string
	for _, k := range sortedCodes(m) {
		label := k
		if k == "0" {
			label = "no answer"
		}
		parts = append(parts, label+": "+fmtCount(m[k]))
	}
	return strings.Join(parts, " · ")
}

// clientLabel names a case's caller.
func clientLabel(c string) string {
	switch c {
	case "spa":
		return "SPA"
	case "":
		return "-"
	}
	return c
}

// deviationRef finds "id: summary (https://upstream)" in the reason of an
// expected failure, as conformance.json files before structured deviations
// wrote them, joined with "; ".
var deviationRef = regexp.MustCompile(`([a-z0-9][a-z0-9-]*): (.+?) \((https?://[^)\s]+)\)(?:; |$)`)

// pairName names a documented (operation, status) pair: "toSession 401".
func pairName(operation string, status int) string { return fmt.Sprintf("%s %d", operation, status) }

// deviationUse is a known deviation and the pairs it showed in.
type deviationUse struct {
	results.Deviation
	Pairs []string
}

// deviations returns the known deviations the run's cases showed, by ID,
// each with the (operation, status) pairs it showed in.
func deviationsOf(c *results.Conformance) []deviationUse {
	byID := map[string]*deviationUse{}
	seen := map[string]bool{}
	add := func(d results.Deviation, k results.Case) {
		u := byID[d.ID]
		if u == nil {
			u = &deviationUse{Deviation: d}
			byID[d.ID] = u
		}
		pair := pairName(k.Operation, k.Status)
		if !seen[d.ID+" "+pair] {
			seen[d.ID+" "+pair] = true
			u.Pairs = append(u.Pairs, pair)
		}
	}
	for _, k := range c.Cases {
		for _, d := range k.Deviations {
			add(d, k)
		}
		if len(k.Deviations) == 0 && k.Outcome == results.ExpectedFailure {
			for _, m := range deviationRef.FindAllStringSubmatch(k.Reason, -1) {
				add(results.Deviation{ID: m[1], Summary: m[2], Upstream: m[3]}, k)
			}
		}
	}
	out := make([]deviationUse, 0, len(byID))
	for _, u := range byID {
		sort.Strings(u.Pairs)
		out = append(out, *u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// safeURL returns u when it is an http(s) URL a report may link to.
func safeURL(u string) string {
	if strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") {
		return u
	}
	return ""
}

// secretFlag finds the value of a command-line flag named like a secret:
// --api-key X, --api-key=X, --password X.
var secretFlag = regexp.MustCompile(`(?i)(\s--?` + secretFlagWord + `(?:=|\s+))("[^"]*"|'[^']*'|\S+)`)

// secretFlagWord is a flag's name (after its dashes) that names a secret.
const secretFlagWord = `[a-z0-9-]*(?:key|token|password|secret)[a-z0-9-]*`

// CommandLine joins a command's arguments for a report as a shell would
// read them back: each argument a shell would split or expand is
// single-quoted, so that the line pastes into a shell and runs. The values
// of flags named like secrets (--api-key X, --api-key=X) are replaced
// first, argument by argument.
func CommandLine(args []string) string {
	out := make([]string, len(args))
	secretNext := false
	for i, a := range args {
		switch name, _, hasValue := strings.Cut(a, "="); {
		case secretNext:
			a, secretNext = redact.Placeholder, false
		case strings.HasPrefix(a, "-") && secretFlagName.MatchString(name) && hasValue:
			a = name + "=" + redact.Placeholder
		case strings.HasPrefix(a, "-") && secretFlagName.MatchString(name):
			secretNext = true
		}
		out[i] = shellQuote(redact.Prose(a))
	}
	return strings.Join(out, " ")
}

// secretFlagName matches a flag named like a secret: --api-key, --password.
var secretFlagName = regexp.MustCompile(`(?i)^--?` + secretFlagWord + `$`)

// shellQuote is s as a POSIX shell reads it back: as it is when it holds
// nothing a shell would split or expand, else in single quotes.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// scrubCommand redacts a command line written by any version.
func scrubCommand(s string) string {
	return redact.Prose(secretFlag.ReplaceAllString(s, "${1}"+redact.Placeholder))
}

// scrubURL redacts a URL's secret query parameters and the password of its
// user info.
func scrubURL(raw string) string {
	return redact.Prose(redact.URL(raw))
}
