package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The Standard Webhooks headers. Header lookups are case-insensitive, so
// these match "Webhook-Id" and friends as well.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// signatureVersion tags a symmetric (HMAC-SHA256) signature. Entries with
// other tags, such as "v1a" for ed25519, are skipped rather than refused:
// the specification lets a sender list several schemes side by side.
const signatureVersion = "v1"

const (
	// maxIDLen bounds webhook-id; real ids are a few dozen characters.
	maxIDLen = 256
	// maxSignatures bounds how many v1 entries one header may make us
	// compare, so a huge header cannot buy a huge amount of work.
	maxSignatures = 16
)

// NewMessageID returns a fresh random message id of the form "msg_..."
// with 130 bits of randomness, for a sender that has no id of its own.
func NewMessageID() string {
	return "msg_" + rand.Text()
}

// Sign returns the webhook-signature value ("v1,<base64>") that secret
// gives the message id sent at ts with body: the HMAC-SHA256 of
// "id.timestamp.body", timestamp in Unix seconds.
func Sign(secret Secret, id string, ts time.Time, body []byte) (string, error) {
	if secret.IsZero() {
		return "", errors.New("webhook: cannot sign with an empty secret")
	}
	if err := checkID(id); err != nil {
		return "", err
	}
	if ts.Unix() < 0 {
		return "", fmt.Errorf("webhook: timestamp %v is before 1970", ts)
	}
	sum := mac(secret, id, strconv.FormatInt(ts.Unix(), 10), body)
	return signatureVersion + "," + base64.StdEncoding.EncodeToString(sum), nil
}

// SignHeaders returns the three Standard Webhooks headers for body, signed
// with every secret given. Several secrets give several space-separated
// signatures, which is how a sender rotates a secret without downtime.
func SignHeaders(id string, ts time.Time, body []byte, secrets ...Secret) (http.Header, error) {
	if len(secrets) == 0 {
		return nil, errors.New("webhook: no secret to sign with")
	}
	sigs := make([]string, 0, len(secrets))
	for _, s := range secrets {
		sig, err := Sign(s, id, ts, body)
		if err != nil {
			return nil, err
		}
		sigs = append(sigs, sig)
	}
	h := make(http.Header, 3)
	h.Set(HeaderID, id)
	h.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(HeaderSignature, strings.Join(sigs, " "))
	return h, nil
}

// SignRequest sets the Standard Webhooks headers on req for body, which
// must be exactly the bytes req will send. It leaves the other headers,
// Content-Type included, to the caller.
func SignRequest(req *http.Request, id string, ts time.Time, body []byte, secrets ...Secret) error {
	h, err := SignHeaders(id, ts, body, secrets...)
	if err != nil {
		return err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	return nil
}

// mac computes the HMAC-SHA256 of "id.ts.body" under secret.
func mac(secret Secret, id, ts string, body []byte) []byte {
	h := hmac.New(sha256.New, secret.key)
	h.Write([]byte(id))
	h.Write([]byte{'.'})
	h.Write([]byte(ts))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// checkID accepts the ids a conforming sender produces: printable ASCII
// without spaces or full stops. The specification forbids a full stop
// because the id is joined to the timestamp and body with full stops, and
// an id containing one could shift where the signed fields split.
func checkID(id string) error {
	if id == "" || len(id) > maxIDLen {
		return fmt.Errorf("webhook: message id must be 1 to %d bytes", maxIDLen)
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c > '~' || c == '.' {
			return fmt.Errorf("webhook: message id has invalid byte %#x at %d", c, i)
		}
	}
	return nil
}

// parseTimestamp reads webhook-timestamp: decimal Unix seconds, digits
// only. strconv would also take a sign, which no conforming sender writes.
func parseTimestamp(s string) (time.Time, bool) {
	if s == "" || len(s) > 18 {
		return time.Time{}, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return time.Time{}, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(n, 0), true
}

// parseSignatures returns the decoded v1 signatures in a webhook-signature
// header, at most maxSignatures of them. Entries of other versions and
// entries that do not decode to a SHA-256 sized value are skipped: they
// could never match, and skipping keeps a mixed header working.
func parseSignatures(header string) [][]byte {
	var sigs [][]byte
	for entry := range strings.FieldsSeq(header) {
		version, enc, ok := strings.Cut(entry, ",")
		if !ok || version != signatureVersion {
			continue
		}
		// Strict: the lenient decoder maps several spellings (differing in
		// the unused low bits of the last character) to one value, and a
		// signature should have exactly one spelling, as senders write it.
		sig, err := base64.StdEncoding.Strict().DecodeString(enc)
		if err != nil || len(sig) != sha256.Size {
			continue
		}
		if sigs = append(sigs, sig); len(sigs) == maxSignatures {
			break
		}
	}
	return sigs
}

// verifySignature reports whether any signature in header was made by any
// of secrets over id, ts and body. Each comparison is constant-time.
func verifySignature(secrets []Secret, id, ts, header string, body []byte) bool {
	sigs := parseSignatures(header)
	if len(sigs) == 0 {
		return false
	}
	for _, s := range secrets {
		if s.IsZero() {
			continue
		}
		want := mac(s, id, ts, body)
		for _, sig := range sigs {
			if hmac.Equal(sig, want) {
				return true
			}
		}
	}
	return false
}
