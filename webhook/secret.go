package webhook

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"
)

// SecretPrefix marks a serialized Standard Webhooks signing secret.
const SecretPrefix = "whsec_"

// The Standard Webhooks specification asks for symmetric keys of at least
// 24 bytes and at most 512 bits; keys outside that range are refused so a
// typo (a truncated paste) is caught at start-up rather than weakening
// verification.
const (
	minSecretBytes = 24
	maxSecretBytes = 64
)

// redacted is what every textual form of a secret or token prints.
const redacted = "[redacted]"

// Secret is an HMAC-SHA256 key shared with a sender of signed triggers.
//
// Every way of printing a Secret (fmt verbs, slog) shows "[redacted]", so
// a Secret can sit in a logged configuration without leaking. The zero
// value is an empty key that verifies nothing. A Secret is immutable and
// safe for concurrent use.
type Secret struct {
	key []byte
}

// ParseSecret decodes a secret in the Standard Webhooks form
// "whsec_<base64>": the HMAC key is the standard-base64-decoded text after
// the prefix. The error never contains the secret.
func ParseSecret(s string) (Secret, error) {
	enc, ok := strings.CutPrefix(strings.TrimSpace(s), SecretPrefix)
	if !ok {
		return Secret{}, errors.New("webhook: secret must start with " + SecretPrefix)
	}
	key, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		// The decoder's error quotes an offset into the secret, not its
		// bytes, but a fixed message is simpler to reason about.
		return Secret{}, errors.New("webhook: secret is not valid base64")
	}
	if len(key) < minSecretBytes || len(key) > maxSecretBytes {
		return Secret{}, fmt.Errorf("webhook: secret key is %d bytes, want %d to %d",
			len(key), minSecretBytes, maxSecretBytes)
	}
	return Secret{key: key}, nil
}

// GenerateSecret returns a new random 32-byte secret in the
// "whsec_<base64>" form, ready to hand to a sender and to [ParseSecret].
func GenerateSecret() string {
	key := make([]byte, 32)
	_, _ = rand.Read(key) // crypto/rand.Read never fails; it crashes instead
	return SecretPrefix + base64.StdEncoding.EncodeToString(key)
}

// IsZero reports whether s holds no key.
func (s Secret) IsZero() bool { return len(s.key) == 0 }

// String returns "[redacted]".
func (Secret) String() string { return redacted }

// GoString returns "[redacted]", so %#v does not print the key either.
func (Secret) GoString() string { return redacted }

// Format prints "[redacted]" for every verb. Without it, verbs such as %d
// or %x would print the key's bytes despite String.
func (Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// LogValue returns "[redacted]", so slog never records the key.
func (Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText returns "[redacted]", so encoding a configuration as JSON or
// YAML does not write the key out.
func (Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// Token is a bearer token that Alertmanager presents in its Authorization
// header. It is a string so configuration can write Token("..."), but
// every way of printing it shows "[redacted]".
type Token string

// String returns "[redacted]".
func (Token) String() string { return redacted }

// GoString returns "[redacted]".
func (Token) GoString() string { return redacted }

// Format prints "[redacted]" for every verb.
func (Token) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// LogValue returns "[redacted]".
func (Token) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText returns "[redacted]". It has no UnmarshalText counterpart,
// so a Token still decodes from configuration as a plain string.
func (Token) MarshalText() ([]byte, error) { return []byte(redacted), nil }
