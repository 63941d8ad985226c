package main

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/selfheal/selfheal/webhook"
)

// maxSignBody bounds the body read from standard input; receivers refuse
// much smaller bodies by default.
const maxSignBody = 16 << 20

// sign prints the Standard Webhooks headers for the body on standard input.
func (e env) sign(args []string) error {
	fs := e.newFlags("sign")
	secretText := fs.String("secret", "", "signing secret, whsec_<base64>")
	id := fs.String("id", "", "message id (default: a new random id)")
	unix := fs.String("timestamp", "", "Unix time in seconds (default: now)")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if *secretText == "" {
		return fmt.Errorf("%w: sign needs --secret", errUsage)
	}
	ts := e.now()
	if *unix != "" {
		sec, err := strconv.ParseInt(*unix, 10, 64)
		if err != nil {
			return fmt.Errorf("%w: --timestamp %q is not Unix seconds", errUsage, *unix)
		}
		ts = time.Unix(sec, 0)
	}
	secret, err := webhook.ParseSecret(*secretText)
	if err != nil {
		return err
	}
	if *id == "" {
		*id = webhook.NewMessageID()
	}
	body, err := io.ReadAll(io.LimitReader(e.stdin, maxSignBody+1))
	if err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	if len(body) > maxSignBody {
		return fmt.Errorf("body larger than %d bytes", maxSignBody)
	}
	sig, err := webhook.Sign(secret, *id, ts, body)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "webhook-id: %s\nwebhook-timestamp: %d\nwebhook-signature: %s\n",
		*id, ts.Unix(), sig)
	return nil
}
