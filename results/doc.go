// Package results is orybench's result model: the documents its runs write
// (conformance.json, summary.json, capacity.json, compare.json, run.json and
// the files beside them) as Go types, with the functions that write and
// read them. Producers (the suites, the load runner, the capacity search,
// the comparison) write them; package reports only reads and renders them.
//
// Every JSON document carries its format's version first, as
// "format_version" (Format, FormatVersion). Readers take documents written
// before the field existed, which have the same fields as version 1, and
// refuse a newer version than they know with an error matching
// ErrNewerFormat.
package results
