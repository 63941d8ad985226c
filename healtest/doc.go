// Package healtest provides what tests of a self-healing service need: a
// fake clock that every part of selfheal accepts, fault injection by error
// code, a recording action, and assertions about what the supervisor did.
package healtest
