package target_test

import (
	"context"
	"fmt"
	"log"

	"github.com/orybench/orybench/kratosclient"
	"github.com/orybench/orybench/target"
)

// A target's capabilities are what discovery found, plus what is declared,
// less what is declared absent: the user who says "registration is closed
// to you" wins over a registration flow that answered.
func ExampleResolve() {
	found := []target.Capability{target.Registration, target.PasswordMethod, target.TOTP}
	declared, absent, err := target.ParseDeclared([]string{"mail-codes", "-registration"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(target.Resolve(found, declared, absent))
	// Output: [mail-codes password totp]
}

// Open a deployment, sign a native app up as a new test identity, and
// leave the deployment as it was found.
func ExampleOpen() {
	ctx := context.Background()
	set, err := target.Open(ctx, target.Options{
		URL:      "https://auth.staging.example.com",
		AdminURL: "https://kratos-admin.staging.internal", // to delete what the run made
	})
	if err != nil {
		log.Fatal(err) // unreachable, or an identity schema orybench cannot make traits for
	}
	defer set.Close(ctx)

	t := set.Targets()[0]
	fmt.Print(t.Describe())
	app, err := t.Client(kratosclient.Native)
	if err != nil {
		log.Fatal(err)
	}
	id, err := t.SignUp(ctx, app) // by registration or the admin API, then a password login
	if err != nil {
		log.Fatal(err)
	}
	r, err := app.ToSession(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(id.ID, r.Status)
}
