// Package mem watches the Go heap and relieves memory pressure: a [Probe]
// that reports MEM-HEAP-001 when the live heap passes a limit, and a
// [Limit] action that sets a soft memory limit and returns freed memory to
// the operating system, reversibly.
//
// It is an adapter of its own rather than part of package heal because it
// reaches into the runtime (runtime/metrics, runtime/debug) and changes
// process-wide settings; a service opts in by importing it, and heal stays
// free of anything that alters the process. The probe and the action live
// together because the action is the response to the probe's code.
//
// Typical use, with h a *heal.Healer:
//
//	h.On("MEM-HEAP-001", heal.AtLeast(3, 5*time.Minute), mem.SetLimit(3<<30))
//
// with a [Probe] configured with a limit below the soft limit, so the
// probe fires before the runtime starts collecting aggressively.
//
// The soft memory limit belongs to the whole process, so bind one [Limit]
// per process, and leave debug.SetMemoryLimit alone while it is in force:
// Undo restores what the Limit saw before its first Run, which another
// change in between would make wrong.
package mem
