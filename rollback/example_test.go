package rollback_test

import (
	"fmt"

	"github.com/selfheal/selfheal/rollback"
)

// Names that reach kubectl must be DNS-1123 labels; anything else is
// refused, with the reason, before a process starts.
func ExampleValidateName() {
	for _, name := range []string{"checkout-web", "api; rm -rf /", "Api", "-x"} {
		fmt.Println(rollback.ValidateName(name))
	}
	// Output:
	// <nil>
	// rollback: name "api; rm -rf /" is not a valid Kubernetes name: ';' at index 3 is not a lower-case letter, digit or '-'
	// rollback: name "Api" is not a valid Kubernetes name: 'A' at index 0 is not a lower-case letter, digit or '-'
	// rollback: name "-x" is not a valid Kubernetes name: must start and end with a lower-case letter or digit
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
