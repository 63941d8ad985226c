// Package breaker wraps calls to a dependency in circuit breakers built on
// github.com/sony/gobreaker/v2, adding what an automated responder needs and
// gobreaker does not offer: a force-open held for a duration or until reset,
// a reset, and attribution (who forced the breaker open, why, until when),
// visible in [Breaker.Status] and in events.
//
// # Counting by taxonomy
//
// A breaker counts a call as a dependency failure only when the error says
// the dependency is at fault. By default an error whose chain holds a
// *heal.Error that is not retryable counts as a success (the dependency
// answered; the request was wrong), and a caller's cancelled context is
// excluded from the counts altogether. Both rules are replaceable in
// [Config].
//
// # Events
//
// gobreaker calls its state-change callback while holding its lock, so a
// callback that calls back into the breaker deadlocks. This package queues
// the change instead and delivers it to [Config.OnEvent] after the lock is
// released, on the goroutine of a call into the breaker; see [Event].
//
// # Acting on incidents
//
// A [Set] names breakers so that the [Trip] action can find the one an
// incident's target names, and open it for a while:
//
//	h.On("SVC-DEP-*", heal.AtLeast(20, time.Minute), breaker.Trip(breakers, 30*time.Second))
//
// Trip never shortens a hold already in effect: an operator who holds a
// breaker open until reset keeps it open whatever the automation does.
package breaker
