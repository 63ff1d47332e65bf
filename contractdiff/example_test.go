package contractdiff_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/orybench/orybench/contractdiff"
)

// Compare two versions of a small contract (testdata/base.yaml and
// testdata/revision.yaml) and list what changed for a client of its
// frontend operations, as `orybench contract diff` does before it prints
// the Markdown or the JSON form.
func ExampleCompare() {
	read := func(name, title string) contractdiff.Document {
		b, err := os.ReadFile("testdata/" + name + ".yaml")
		if err != nil {
			log.Fatal(err)
		}
		return contractdiff.Document{Name: name, Title: title, OpenAPI: b}
	}
	r, err := contractdiff.Compare(context.Background(), read("base", "Things v1"), read("revision", "Things v2"))
	if err != nil {
		log.Fatal(err)
	}
	for _, o := range r.OperationsAdded {
		fmt.Println("added:", o.ID, o.Method, o.Path)
	}
	for _, o := range r.OperationsRemoved {
		fmt.Println("removed:", o.ID, o.Method, o.Path)
	}
	for _, p := range r.StatusesAdded {
		fmt.Println("new status:", p.Operation, p.Status)
	}
	for _, c := range r.Changes {
		fmt.Printf("%s: %s %s: %s\n", c.Level, c.Operation, c.Status, c.Text)
	}
	fmt.Printf("breaking %d, compatible %d, HasBreaking %v\n", r.Breaking, r.Compatible, r.HasBreaking())
	// Output:
	// added: getNew GET /new
	// removed: getOld GET /old
	// new status: getThing 404
	// compatible: getThing 200: added the optional property `extra` to the response with the `200` status
	// breaking: getThing 200: removed the optional property `gone` from the response with the `200` status
	// breaking: getThing 200: the response property `label` became optional for the status `200`
	// breaking: getThing 200: added the new `c` enum value to the `kind` response property for the response status `200`
	// breaking: getThing 200: the `count` response's property `type` changed from `integer` to `string` for status `200`
	// compatible: updateThing : added the new optional request property `note`
	// breaking 5, compatible 3, HasBreaking true
}
