package statuspage_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/selfheal/selfheal/heal"
	"github.com/selfheal/selfheal/healtest"
	"github.com/selfheal/selfheal/statuspage"
)

// Mount the page under a prefix and read its JSON, as a dashboard or a
// script would. Controls need a token; reading does not.
func Example() {
	clk := healtest.NewClock(time.Time{})
	h, _ := heal.New(heal.Config{Clock: clk, Logger: slog.New(slog.DiscardHandler)})
	defer h.Close()
	h.MustOn("SVC-DEP-001", heal.AtLeast(20, time.Minute), nil)
	h.Report(h.Taxonomy().New("SVC-DEP-001", "payments", "connection refused"))

	page, err := statuspage.New(statuspage.Config{Healer: h, Title: "checkout",
		Tokens: []statuspage.Token{{Secret: "a-long-random-secret", Operator: "alice"}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	mux := http.NewServeMux()
	mux.Handle("/status/", http.StripPrefix("/status", page))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/status/status.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var st statuspage.State
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(st.Title, "healthy:", st.Health.Healthy)
	for _, c := range st.Codes {
		fmt.Println(c.Code, c.Target, c.Failures, c.Policies)
	}
	fmt.Println(st.Guardrails.Budget.Text)
	// Output:
	// checkout healthy: true
	// SVC-DEP-001 payments 1 [SVC-DEP-001/notify]
	// 10 of 10 actions left per 1h
}
