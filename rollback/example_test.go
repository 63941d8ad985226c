package rollback_test

import (
	"errors"
	"fmt"

	"github.com/selfheal/selfheal/rollback"
)

// Names that reach kubectl must be DNS-1123 labels; anything else is
// refused, with the reason, before a process starts.
func ExampleValidateName() {
	for _, name := range []string{"checkout-web", "api; rm -rf /", "Api", "-x"} {
		var ne *rollback.NameError
		if err := rollback.ValidateName(name); errors.As(err, &ne) {
			fmt.Printf("%q: %s\n", ne.Name, ne.Reason)
			continue
		}
		fmt.Printf("%q: ok\n", name)
	}
	// Output:
	// "checkout-web": ok
	// "api; rm -rf /": ';' at index 3 is not a lower-case letter, digit or '-'
	// "Api": 'A' at index 0 is not a lower-case letter, digit or '-'
	// "-x": must start and end with a lower-case letter or digit
}

// Undo makes the action a policy binds to a deploy-health code; the
// trigger's target names the deployment.
func ExampleUndo() {
	undo := rollback.Undo(rollback.Config{
		Namespace:   "shop",
		Deployments: map[string]string{"checkout": "checkout-web"},
	})
	fmt.Println(undo.Name())
	// Output: rollback.undo
}
