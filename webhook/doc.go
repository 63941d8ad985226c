// Package webhook lets systems outside the process ask selfheal to act:
// senders that sign their requests under the Standard Webhooks scheme, and
// Prometheus Alertmanager, which authenticates with a bearer token.
//
// Every request, accepted or not, ends in an audit record. Accepted
// triggers reach the heal policies and the supervisor's guardrails through
// [Target.Fire], exactly like a detected incident; everything refused
// before that is recorded through [Target.Reject].
//
// # Mounting
//
// Make a [Receiver] with the service's Healer as its [Target] and mount
// its two handlers wherever suits the service:
//
//	sec, err := webhook.ParseSecret(os.Getenv("SELFHEAL_WEBHOOK_SECRET"))
//	rc, err := webhook.New(webhook.Config{
//		Target:  healer,
//		Secrets: []webhook.Secret{sec},
//		Sender:  "ci",
//		Tokens:  []webhook.Token{webhook.Token(os.Getenv("SELFHEAL_AM_TOKEN"))},
//		Logger:  logger,
//	})
//	defer rc.Close()
//	mux.Handle("POST /selfheal/trigger", rc.Trigger())
//	mux.Handle("POST /selfheal/alertmanager", rc.Alertmanager())
//	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second,
//		ReadTimeout: 15 * time.Second, WriteTimeout: 30 * time.Second}
//
// Set the server's timeouts: the receiver bounds reading a body with a
// connection deadline where it can, but a server without ReadTimeout and
// ReadHeaderTimeout can still be held open by a slow client before the
// handler runs.
//
// # Signed triggers
//
// A signed trigger is a POST with Content-Type application/json, the
// headers webhook-id, webhook-timestamp and webhook-signature, and a
// [Payload] body:
//
//	{"code":"SVC-DEP-001","target":"payments","reason":"p99 above SLO"}
//
// The signature is "v1," and the base64 HMAC-SHA256 of
// "<webhook-id>.<webhook-timestamp>.<body>" under a secret written as
// "whsec_<base64 key>". Any conforming Standard Webhooks library signs
// correctly; so do [Sign], [SignHeaders] and [SignRequest]. Several
// secrets may be configured at once, and a sender may send several
// space-separated signatures, so a secret rotates without downtime.
//
// A timestamp more than Config.Tolerance (5 minutes) away from the clock
// is refused, and so is a message id this Receiver already accepted
// within that window. The ids are kept in the Receiver's memory, not
// shared between a service's replicas. The trigger is recorded with the
// actor "webhook:<Config.Sender>".
//
// # Alertmanager
//
// Point a webhook receiver at the Alertmanager route and give it a token:
//
//	receivers:
//	  - name: selfheal
//	    webhook_configs:
//	      - url: https://service.internal/selfheal/alertmanager
//	        send_resolved: true
//	        max_alerts: 50
//	        http_config:
//	          authorization:
//	            type: Bearer
//	            credentials_file: /etc/alertmanager/selfheal-token
//
// Label the alerting rules that selfheal may act on with the taxonomy code
// and, optionally, the target:
//
//	labels:
//	  error_code: SVC-DEP-001
//	  target: payments
//
// Each firing alert with a known code becomes a trigger with the actor
// "webhook:<receiver name>". Resolved alerts, alerts without a code label
// and alerts with an unknown code are recorded and run nothing.
//
// # Responses
//
// Both routes answer:
//
//   - 202 Accepted: the trigger was handed to the supervisor, which
//     records what it did with it: ran it, skipped it for a guardrail,
//     recorded a dry run, or saw the action fail. None of these is worth
//     a retry, so all are 202; the outcome is in the audit trail. For
//     Alertmanager: at least one alert fired or was recorded as resolved,
//     and the supervisor could take every trigger.
//   - 400 Bad Request: the body is not valid JSON of the expected shape.
//   - 401 Unauthorized: credentials missing or wrong, or a signed
//     trigger's timestamp outside the tolerance.
//   - 405 Method Not Allowed, 415 Unsupported Media Type: not a POST of
//     application/json.
//   - 408 Request Timeout: the body did not arrive within ReadTimeout.
//   - 409 Conflict: a signed trigger's message id was already accepted.
//   - 413 Content Too Large: the body exceeds MaxBodyBytes.
//   - 422 Unprocessable Content: the code is unknown or no policy binds
//     it; for Alertmanager, no alert in the batch was eligible.
//   - 429 Too Many Requests: too many signed triggers within the tolerance
//     to remember their ids; retry later.
//   - 503 Service Unavailable: the supervisor could not take the trigger
//     (unhealthy, its queue full, or closed). A signed trigger may be
//     retried with the same message id; Alertmanager retries on its own.
//
// Error responses are RFC 9457 problem documents carrying only the status
// and its standard title. Which check failed, and which codes exist, is
// written to the audit trail and the debug log, never to the client.
//
// # Floods of rejections
//
// Rejections are aggregated per route and reason: the first in each
// Config.RejectInterval is recorded in full, later ones are counted and
// recorded as a single summary once the interval ends, so a burst of bad
// requests costs the audit trail two records per reason per interval.
package webhook
