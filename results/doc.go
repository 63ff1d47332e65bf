// Package results is orybench's result model: the documents its runs write
// (conformance.json, summary.json, capacity.json, compare.json, run.json and
// the files beside them) as Go types, with the functions that write and
// read them. Producers (the suites, the load runner, the capacity search,
// the comparison) write them; package reports only reads and renders them.
package results
