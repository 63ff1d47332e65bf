package identityschema_test

import (
	"encoding/json"
	"fmt"
	"log"

	"github.com/orybench/orybench/target/identityschema"
)

// Parse an identity schema whose email trait is the password identifier
// and the recovery and verification address, with a required nested name,
// and make the test identity for an address: the email trait gets the
// address, the other required traits the simplest valid values (an enum's
// first), and optional traits that are not identifiers are left out.
// (encoding/json writes the traits with their keys sorted.)
func ExampleSchema_Identity() {
	schema, err := identityschema.Parse("customer", []byte(`{
	  "$schema": "http://json-schema.org/draft-07/schema#",
	  "type": "object",
	  "properties": {
	    "traits": {
	      "type": "object",
	      "properties": {
	        "email": {
	          "type": "string",
	          "format": "email",
	          "ory.sh/kratos": {
	            "credentials": {"password": {"identifier": true}},
	            "recovery": {"via": "email"},
	            "verification": {"via": "email"}
	          }
	        },
	        "name": {
	          "type": "object",
	          "properties": {
	            "first": {"type": "string", "minLength": 1},
	            "last": {"type": "string", "minLength": 1},
	            "middle": {"type": "string"}
	          },
	          "required": ["first", "last"]
	        },
	        "plan": {"type": "string", "enum": ["free", "pro"]},
	        "newsletter": {"type": "boolean"}
	      },
	      "required": ["email", "name", "plan"]
	    }
	  }
	}`))
	if err != nil {
		log.Fatal(err)
	}
	// A run's n-th test address, which `orybench cleanup` recognises.
	id, err := schema.Identity("orybench-20250101t120000-0a1b2c3d-1@orybench.test")
	if err != nil {
		log.Fatal(err)
	}
	traits, err := json.Marshal(id.Traits)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("identifier (%s): %s\n", id.IdentifierTrait, id.Identifier)
	fmt.Printf("email (%s): %s\n", id.EmailTrait, id.Email)
	fmt.Println("traits:", string(traits))
	// Output:
	// identifier (email): orybench-20250101t120000-0a1b2c3d-1@orybench.test
	// email (email): orybench-20250101t120000-0a1b2c3d-1@orybench.test
	// traits: {"email":"orybench-20250101t120000-0a1b2c3d-1@orybench.test","name":{"first":"orybench","last":"orybench"},"plan":"free"}
}
