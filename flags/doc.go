// Package flags is an OpenFeature kill switch: a provider that wraps the
// application's provider and turns killed flags off at once.
//
// A [Switch] is registered with the OpenFeature SDK in place of the
// provider it wraps. Evaluations of flags nobody has killed, hooks,
// tracking, initialization, shutdown and the wrapped provider's events pass
// through untouched. A killed flag resolves, from the very next evaluation,
// to a safe value (the caller's default unless [Config.SafeValues] names
// one) with reason DISABLED; kill and revive are announced as
// PROVIDER_CONFIGURATION_CHANGED events naming the flag.
//
// Every kill records who killed the flag, why and when ([Record]). Kills
// are kept in a [Store]: by default in memory, and in a small JSON file when
// [Config.Path] is set, so that a kill survives a restart.
//
// The [Kill] action kills the flag an incident's target names:
//
//	h.On("DEPLOY-HEALTH-002", heal.Sustained(5, 2*time.Minute), flags.Kill(killSwitch))
package flags
