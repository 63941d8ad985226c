package flags_test

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"
	"github.com/open-feature/go-sdk/openfeature/memprovider"
	"github.com/selfheal/selfheal/flags"
	"github.com/selfheal/selfheal/heal"
)

func Example() {
	ctx := context.Background()
	app := memprovider.NewInMemoryProvider(map[string]memprovider.InMemoryFlag{
		"new-checkout": {Key: "new-checkout", State: memprovider.Enabled, DefaultVariant: "on",
			Variants: map[string]any{"on": true}},
	})
	killSwitch, err := flags.New(app, flags.Config{
		Logger: slog.New(slog.DiscardHandler),
		// Path: "/var/lib/myservice/kills.json" keeps kills across restarts.
	})
	if err != nil {
		panic(err)
	}

	api := isolated.NewAPI() // or the global openfeature.SetProviderAndWait
	_ = api.SetProviderAndWait(ctx, killSwitch)
	defer api.Shutdown(ctx)
	client := api.NewClient()

	show := func() {
		d, _ := client.BooleanValueDetails(ctx, "new-checkout", false,
			openfeature.EvaluationContext{})
		fmt.Println(d.Value, d.Reason)
	}
	show()
	_ = killSwitch.Kill(ctx, "new-checkout",
		flags.Attribution{Actor: "human:alice", Reason: "5xx after deploy"})
	show()
	_ = killSwitch.Revive(ctx, "new-checkout", flags.Attribution{Actor: "human:alice"})
	show()
	// Output:
	// true STATIC
	// false DISABLED
	// true STATIC
}

func ExampleKill() {
	app := memprovider.NewInMemoryProvider(nil)
	logger := slog.New(slog.DiscardHandler)
	killSwitch, _ := flags.New(app, flags.Config{Logger: logger})
	kill := flags.Kill(killSwitch)

	t := heal.Trigger{Code: "DEPLOY-HEALTH-002", Target: "new-checkout", Actor: "system",
		Reason: "DEPLOY-HEALTH-002 sustained for 2m"}
	_ = kill.Run(context.Background(), t)
	for _, k := range killSwitch.Kills() {
		fmt.Printf("%s killed by %s: %s\n", k.Flag, k.Actor, k.Reason)
	}
	_ = kill.Undo(context.Background(), t)
	fmt.Println(len(killSwitch.Kills()), "kills")
	// Output:
	// new-checkout killed by system: DEPLOY-HEALTH-002 sustained for 2m
	// 0 kills
}
