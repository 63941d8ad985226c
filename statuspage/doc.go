// Package statuspage serves an operator's status page for a self-healing
// [heal.Healer]: what each code is doing, the open incidents, the
// supervisor's guardrails, breakers, killed flags, the watchdog's health
// and the tail of the audit trail.
//
// # Mounting
//
// A [Page] is an [http.Handler], in the manner of net/http/pprof. It uses
// relative links only, so it can be mounted under any prefix that ends in
// a slash:
//
//	page, err := statuspage.New(statuspage.Config{Healer: h, Tokens: tokens})
//	mux.Handle("/status/", http.StripPrefix("/status", page))
//
// # Routes
//
// Reading is open to anyone who can reach the handler:
//
//	GET  /               the page (HTML); /?format=json is the same as below
//	GET  /status.json    the page's data as JSON (see [State])
//	GET  /app.js         the script that refreshes the page
//	GET  /style.css      its style sheet
//
// Controls change the supervisor and are POST requests with form values:
//
//	POST /mute           for=<duration, e.g. 30m>, reason=<text>
//	POST /unmute
//	POST /rearm          target=<a target the supervisor gave up on>
//	POST /breaker/reset  name=<breaker>
//	POST /flag/revive    flag=<killed flag>
//	POST /fault/inject   name=<fault>   (only with Config.Faults)
//	POST /fault/clear    name=<fault>   (only with Config.Faults)
//
// # Security
//
// Every control needs one of the configured [Token] secrets in an
// "Authorization: Bearer" header, compared in constant time; without one
// the answer is 401, and with no tokens configured the page is read-only
// (403). The operator the token names is the actor the supervisor audits,
// as "human:<operator>". Cross-origin requests are refused (403) by
// [http.CrossOriginProtection], and since the token travels in a header a
// browser never adds by itself, a forged form post cannot carry it either.
//
// The HTML is rendered by html/template, so target names and other
// reported text are escaped, and the script builds the refreshed page
// with text nodes only. Every response carries a Content-Security-Policy
// that allows scripts, styles and fetches from the page's own origin only:
// no inline script, no external assets.
//
// Breaker resets and flag revives go through [supervisor.Supervisor.Undo],
// so they are audited like any action; mute, unmute and re-arm use the
// supervisor's own methods. A reset or revive waits up to 30 seconds for
// the supervisor's decision; if none has come by then, the page answers
// 202 Accepted, since the undo is still queued and its outcome will be in
// the audit trail. Fault injection is a demo aid that runs nothing through
// the supervisor, but each inject and clear is noted in the audit trail
// with its actor (a "noted" record), so that what follows reads as the
// drill it was.
package statuspage
