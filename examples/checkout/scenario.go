package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/selfheal/selfheal/healtest"
	"github.com/selfheal/selfheal/supervisor"
	"github.com/selfheal/selfheal/webhook"
)

// outcome is what one scenario showed.
type outcome struct {
	name   string
	onset  time.Time
	healed time.Time // zero when the service did not recover (or was not meant to)
	ok     bool      // every expected recovery happened
	detail string
}

// scenario plays the scripted incident against a running app.
type scenario struct {
	a    *app
	tl   *timeline
	load *load
}

// errDown is what a dependency's failpoint injects; its text never
// reaches a client.
var errDown = errors.New("injected outage")

// wait is how long the scenario gives automation to react before it calls
// an expected recovery missing. It is a bound, not a pause.
const wait = 5 * time.Second

func (s *scenario) run() []outcome {
	s.tl.section("baseline: traffic flows")
	pause(time.Second)
	ok, _ := s.load.counts("/checkout")
	s.tl.printf("load: %d checkouts succeeded", ok)

	return []outcome{s.payments(), s.badDeploy(), s.brokenPool(), s.persistent()}
}

// payments: the dependency goes down for 800ms. The rule trips its
// breaker, calls fail fast, and when it is back they succeed again.
func (s *scenario) payments() outcome {
	s.tl.section("1. payments goes down (SVC-DEP-001)")
	o := outcome{name: "payments down: breaker trip", onset: time.Now()}
	paymentsDown.Inject(healtest.Fault{Err: errDown, For: 800 * time.Millisecond})
	s.tl.printf("fault: payments answers 503 for 800ms")

	tripped, okTrip := s.action("breaker.trip", "payments", supervisor.OutcomeOK, o.onset)
	pause(time.Until(o.onset.Add(800 * time.Millisecond)))
	back := time.Now()
	s.tl.printf("fault: payments is back")
	healed, okHeal := s.load.first("/checkout", true, back, wait)
	if okHeal {
		s.tl.printf("load: checkouts succeed again")
	}
	o.ok, o.healed = okTrip && okHeal, healed
	o.detail = fmt.Sprintf("breaker tripped %s after onset, calls failed fast; "+
		"checkouts healthy %s after payments returned",
		ms(tripped.Sub(o.onset)), ms(healed.Sub(back)))
	return o
}

// badDeploy: the new checkout flow fails after a deploy; the rule kills
// its flag and checkouts take the classic flow.
func (s *scenario) badDeploy() outcome {
	pause(time.Second)
	s.tl.section("2. a bad deploy breaks the new checkout flow (DEPLOY-HEALTH-002)")
	o := outcome{name: "bad deploy: flag kill", onset: time.Now()}
	flowErr := s.a.tax.New("DEPLOY-HEALTH-002", newCheckoutFlag, "new flow fails")
	remove := newFlowBroken.Inject(healtest.Fault{Err: flowErr})
	defer remove()
	s.tl.printf("fault: the new checkout flow fails every request")

	killed, okKill := s.action("flags.kill", newCheckoutFlag, supervisor.OutcomeOK, o.onset)
	healed, okHeal := s.load.first("/checkout", true, killed, wait)
	_, stillKilled := s.a.sw.Killed(newCheckoutFlag)
	s.tl.printf("flag %s killed: %t; checkouts use the classic flow", newCheckoutFlag, stillKilled)
	o.ok, o.healed = okKill && okHeal && stillKilled, healed
	o.detail = fmt.Sprintf("flag killed %s after onset; checkouts healthy %s after onset",
		ms(killed.Sub(o.onset)), ms(healed.Sub(o.onset)))
	return o
}

// brokenPool: every pooled connection to the orders database breaks; the
// rule recycles the pool and orders go to fresh connections.
func (s *scenario) brokenPool() outcome {
	pause(time.Second)
	s.tl.section("3. the orders database pool breaks (DB-CONN-001)")
	o := outcome{name: "broken pool: recycle", onset: time.Now()}
	s.a.conn.Break(errors.New("connection reset by peer"))
	s.tl.printf("fault: every open database connection is broken")

	recycled, okRecycle := s.action("pool.recycle", "", supervisor.OutcomeOK, o.onset)
	healed, okHeal := s.load.first("/checkout", true, recycled, wait)
	o.ok, o.healed = okRecycle && okHeal, healed
	o.detail = fmt.Sprintf("pool recycled %s after onset; checkouts healthy %s after onset",
		ms(recycled.Sub(o.onset)), ms(healed.Sub(o.onset)))
	return o
}

// persistent: inventory stays down. Each trip only hides the failure, so
// the incident recurs; the cooldown holds back a duplicate trigger from
// alerting, and the intensity limit gives up and pages a person.
func (s *scenario) persistent() outcome {
	pause(time.Second)
	s.tl.section("4. inventory stays down: cooldown, then escalation")
	o := outcome{name: "persistent failure: escalation", onset: time.Now()}
	remove := inventoryDown.Inject(healtest.Fault{Err: errDown})
	s.tl.printf("fault: inventory answers 503 until someone fixes it")

	_, okTrip := s.action("breaker.trip", "inventory", supervisor.OutcomeOK, o.onset)
	s.tl.printf("alerting: sends a signed webhook trigger for SVC-DEP-001 inventory")
	status, err := s.signedTrigger(
		`{"code":"SVC-DEP-001","target":"inventory","reason":"inventory 5xx alert"}`)
	if err != nil {
		s.tl.printf("alerting: %v", err)
	} else {
		s.tl.printf("alerting: webhook answered %d", status)
	}
	okCooldown := s.tl.has(func(r supervisor.Record) bool {
		return r.Target == "inventory" && r.Guardrail == supervisor.GuardCooldown
	})
	gaveUp, okGaveUp := s.action("", "inventory", supervisor.OutcomeGaveUp, o.onset)

	pause(500 * time.Millisecond)
	remove()
	s.tl.printf("operator: fixes inventory and re-arms automation for it")
	if err := s.a.h.Supervisor().Rearm("inventory", "human:oncall"); err != nil {
		s.tl.printf("operator: re-arm failed: %v", err)
	}
	o.ok = okTrip && okCooldown && okGaveUp
	o.detail = fmt.Sprintf("cooldown skipped the duplicate trigger: %t; "+
		"gave up and paged %s after onset",
		okCooldown, ms(gaveUp.Sub(o.onset)))
	return o
}

// action waits for the supervisor's record of action on target with the
// given outcome, written after since, and returns its time.
func (s *scenario) action(
	action, target string, o supervisor.Outcome, since time.Time,
) (time.Time, bool) {
	r, ok := s.tl.waitFor(wait, func(r supervisor.Record) bool {
		return (action == "" || r.Action == action) && (target == "" || r.Target == target) &&
			r.Outcome == o && r.Time.After(since)
	})
	if !ok {
		s.tl.printf("MISSING: no %s record for %s %s", o, action, target)
		return time.Time{}, false
	}
	return r.Time, true
}

// signedTrigger posts body to the service's webhook route, signed as the
// alerting system would sign it.
func (s *scenario) signedTrigger(body string) (int, error) {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost,
		s.a.url+"/hooks/trigger", bytes.NewBufferString(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	err = webhook.SignRequest(req, webhook.NewMessageID(), time.Now(), []byte(body), s.a.secret)
	if err != nil {
		return 0, err
	}
	res, err := s.a.client.Do(req)
	if err != nil {
		return 0, err
	}
	res.Body.Close()
	return res.StatusCode, nil
}

// pause lets the scripted incident unfold in real time.
func pause(d time.Duration) {
	if d > 0 {
		time.Sleep(d)
	}
}

func ms(d time.Duration) string {
	if d < 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.0fms", float64(d)/float64(time.Millisecond))
}
