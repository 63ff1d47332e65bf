package identityschema

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode"
	"unicode/utf8"
)

// compilePattern compiles a JSON Schema pattern. JSON Schema patterns are
// ECMA-262 and unanchored; Go's RE2 reads the common ones the same way
// (classes, quantifiers, anchors, groups, alternation), but not
// look-arounds or back-references.
func compilePattern(path, pattern string) (*regexp.Regexp, error) {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("%s: pattern %q is not a regular expression orybench can read (%v): use --traits", field(path), pattern, err)
	}
	return re, nil
}

// fromPattern makes a string the pattern matches, of a length within
// [minLen, maxLen] (maxLen < 0: no bound), or says it cannot.
//
// It walks the parsed expression, taking the first alternative and the
// friendliest character of each class ('a', 'A', '0' before anything else),
// and grows the first repetition that can grow until the string is long
// enough. Patterns that need more than that (several classes to reach a
// length, say) are reported, naming the field.
func fromPattern(path, pattern string, minLen, maxLen int) (string, error) {
	re, err := compilePattern(path, pattern)
	if err != nil {
		return "", err
	}
	parsed, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return "", fmt.Errorf("%s: pattern %q: %w", field(path), pattern, err)
	}
	parsed = parsed.Simplify()
	for grow := 0; grow <= max(minLen, 0)+1; grow++ {
		g := patternGen{grow: grow}
		s := g.gen(parsed)
		n := utf8.RuneCountInString(s)
		if n < minLen {
			continue
		}
		if maxLen >= 0 && n > maxLen {
			break
		}
		if re.MatchString(s) {
			return s, nil
		}
	}
	bound := fmt.Sprintf("at least %d characters", minLen)
	if maxLen >= 0 {
		bound = fmt.Sprintf("%d to %d characters", minLen, maxLen)
	}
	return "", fmt.Errorf("%s: orybench cannot make a value of %s that matches pattern %q: use --traits", field(path), bound, pattern)
}

// patternGen builds one string for a parsed expression; grow extra
// repetitions go to the first repetition that may repeat more.
type patternGen struct {
	grow int
	b    strings.Builder
}

func (g *patternGen) gen(re *syntax.Regexp) string {
	g.b.Reset()
	g.walk(re)
	return g.b.String()
}

func (g *patternGen) walk(re *syntax.Regexp) {
	switch re.Op {
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			g.b.WriteRune(r)
		}
	case syntax.OpCharClass:
		g.b.WriteRune(pickRune(re.Rune))
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		g.b.WriteRune('x')
	case syntax.OpCapture:
		g.walk(re.Sub[0])
	case syntax.OpConcat:
		for _, s := range re.Sub {
			g.walk(s)
		}
	case syntax.OpAlternate:
		g.walk(re.Sub[0])
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		lo, hi := 0, -1
		switch re.Op {
		case syntax.OpPlus:
			lo = 1
		case syntax.OpQuest:
			hi = 1
		case syntax.OpRepeat:
			lo, hi = re.Min, re.Max
		}
		n := lo
		if g.grow > 0 && (hi < 0 || hi > lo) {
			extra := g.grow
			if hi >= 0 {
				extra = min(extra, hi-lo)
			}
			n += extra
			g.grow -= extra
		}
		for range n {
			g.walk(re.Sub[0])
		}
	default:
		// Anchors, word boundaries and empty matches add nothing.
	}
}

// pickRune chooses a character from a class given as [lo, hi] pairs.
func pickRune(ranges []rune) rune {
	in := func(r rune) bool {
		for i := 0; i+1 < len(ranges); i += 2 {
			if ranges[i] <= r && r <= ranges[i+1] {
				return true
			}
		}
		return false
	}
	for _, r := range []rune{'a', 'A', '0', 'x', '_', '-'} {
		if in(r) {
			return r
		}
	}
	for i := 0; i+1 < len(ranges); i += 2 {
		for r := ranges[i]; r <= ranges[i+1] && r < ranges[i]+256; r++ {
			if unicode.IsPrint(r) && !unicode.IsSpace(r) {
				return r
			}
		}
	}
	if len(ranges) > 0 {
		return ranges[0]
	}
	return 'x'
}
