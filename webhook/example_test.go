package webhook_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/selfheal/selfheal/heal"
	"github.com/selfheal/selfheal/healtest"
	"github.com/selfheal/selfheal/webhook"
)

// Signing with a fixed id and timestamp gives the published Standard
// Webhooks test vector.
func ExampleSign() {
	secret, err := webhook.ParseSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		panic(err)
	}
	sig, err := webhook.Sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek",
		time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if err != nil {
		panic(err)
	}
	fmt.Println(sig)
	fmt.Println(secret) // secrets never print
	// Output:
	// v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=
	// [redacted]
}

// SignHeaders gives the three headers a sender puts on its request, as
// "healctl sign" prints them.
func ExampleSignHeaders() {
	secret, err := webhook.ParseSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		panic(err)
	}
	body := []byte(`{"code":"SVC-DEP-001","target":"payments"}`)
	h, err := webhook.SignHeaders("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", time.Unix(1674087231, 0),
		body, secret)
	if err != nil {
		panic(err)
	}
	headers := []string{webhook.HeaderID, webhook.HeaderTimestamp, webhook.HeaderSignature}
	for _, name := range headers {
		fmt.Printf("%s: %s\n", name, h.Get(name))
	}
	// Output:
	// webhook-id: msg_2KWPBgLlAfxdpx2AI54pPJ85f4W
	// webhook-timestamp: 1674087231
	// webhook-signature: v1,Mms74h7O1kRXoWBqXiYA8F+Jkaww6T+Uk3GLJGpJsm8=
}

// printTarget stands in for a *heal.Healer.
type printTarget struct{}

func (printTarget) Fire(_ context.Context, r heal.Request) error {
	fmt.Printf("fire %s on %s, asked by %s\n", r.Code, r.Target, r.Actor)
	return nil
}

func (printTarget) Reject(r heal.Request, why string) {
	fmt.Printf("reject (%s)\n", why)
}

func (printTarget) Known(code string) bool { return code == "SVC-DEP-001" }

// A Receiver verifies a signed trigger and hands it to the Healer; an
// unsigned one is refused and recorded.
func ExampleReceiver_Trigger() {
	secret, err := webhook.ParseSecret(webhook.GenerateSecret())
	if err != nil {
		panic(err)
	}
	clock := healtest.NewClock(time.Time{})
	rc, err := webhook.New(webhook.Config{
		Target:  printTarget{},
		Secrets: []webhook.Secret{secret},
		Sender:  "deploy-bot",
		Clock:   clock,
		Logger:  slog.New(slog.DiscardHandler),
	})
	if err != nil {
		panic(err)
	}
	defer rc.Close()

	send := func(sign bool) {
		body := `{"code":"SVC-DEP-001","target":"payments","reason":"canary failing"}`
		req := httptest.NewRequest(http.MethodPost, "/selfheal/trigger", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if sign {
			err := webhook.SignRequest(req, webhook.NewMessageID(), clock.Now(),
				[]byte(body), secret)
			if err != nil {
				panic(err)
			}
		}
		w := httptest.NewRecorder()
		rc.Trigger().ServeHTTP(w, req)
		fmt.Println(w.Code)
	}
	send(true)
	send(false)
	// Output:
	// fire SVC-DEP-001 on payments, asked by webhook:deploy-bot
	// 202
	// reject (missing credentials)
	// 401
}
