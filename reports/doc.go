// Package reports renders orybench's results for people: report.html (one
// self-contained page), summary.md and junit.xml of saved conformance runs,
// load runs and capacity searches (Read, Report); compare.html and
// compare.md of a release comparison (WriteComparison); and the summaries
// the CLI prints on a terminal (WriteLoadText, WriteCapacityText). It reads
// the documents through package results and computes nothing they do not
// hold; free text goes through package redact once more before it is shown.
package reports
