package reports

import "strings"

// ThresholdUnit says what a threshold's actual value is measured in, from
// its expression: "%" for error_rate and rate_limited (a fraction), "/s" for
// rate, "ms" for latencies.
func ThresholdUnit(expr string) string {
	m := expr
	if _, rest, ok := strings.Cut(expr, ":"); ok {
		m = rest
	}
	m = strings.TrimSpace(m)
	switch {
	case strings.HasPrefix(m, "error_rate"), strings.HasPrefix(m, "rate_limited"):
		return "%"
	case strings.HasPrefix(m, "rate"):
		return "/s"
	}
	return "ms"
}

// FormatThresholdActual formats a threshold's actual value in its unit.
func FormatThresholdActual(expr string, v float64) string {
	switch ThresholdUnit(expr) {
	case "%":
		return trimFloat(v*100, 3) + "%"
	case "/s":
		return trimFloat(v, 1) + "/s"
	}
	return trimFloat(v, 3) + " ms"
}
