package webhook

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSignSpecVector(t *testing.T) {
	sec, err := ParseSecret(specSecret)
	require.NoError(t, err)
	got, err := Sign(sec, specID, time.Unix(specTimestamp, 0), []byte(specBody))
	require.NoError(t, err)
	assert.Equal(t, specSignature, got)

	// The same value from first principles, so the vector does not rest
	// on this package alone.
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(specSecret, "whsec_"))
	require.NoError(t, err)
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "%s.%d.%s", specID, specTimestamp, specBody)
	assert.Equal(t, "v1,"+base64.StdEncoding.EncodeToString(m.Sum(nil)), got)
}

func TestVerifySignature(t *testing.T) {
	oldSec, err := ParseSecret(specSecret)
	require.NoError(t, err)
	newSec, err := ParseSecret(GenerateSecret())
	require.NoError(t, err)
	ts := "1614265330"
	body := []byte(specBody)
	sigBy := func(s Secret) string {
		v, err := Sign(s, specID, time.Unix(specTimestamp, 0), body)
		require.NoError(t, err)
		return v
	}

	tests := []struct {
		name    string
		secrets []Secret
		id, ts  string
		header  string
		body    []byte
		want    bool
	}{
		{"spec vector", []Secret{oldSec}, specID, ts, specSignature, body, true},
		{"rotated: old secret still active", []Secret{newSec, oldSec}, specID, ts, sigBy(oldSec),
			body, true},
		{"rotated: new secret", []Secret{newSec, oldSec}, specID, ts, sigBy(newSec), body, true},
		{"several signatures, one ours", []Secret{newSec}, specID, ts,
			sigBy(oldSec) + " " + sigBy(newSec), body, true},
		{"asymmetric entry skipped", []Secret{oldSec}, specID, ts,
			"v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/" +
				"enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg== " +
				specSignature, body, true},
		{"wrong secret", []Secret{newSec}, specID, ts, specSignature, body, false},
		{"no secrets", nil, specID, ts, specSignature, body, false},
		{"zero secret", []Secret{{}}, specID, ts, specSignature, body, false},
		{"tampered body", []Secret{oldSec}, specID, ts, specSignature,
			[]byte(`{"test": 2432232315}`), false},
		{"tampered id", []Secret{oldSec}, "msg_other", ts, specSignature, body, false},
		{"tampered timestamp", []Secret{oldSec}, specID, "1614265331", specSignature, body, false},
		{"bare signature", []Secret{oldSec}, specID, ts,
			strings.TrimPrefix(specSignature, "v1,"), body, false},
		{"other version", []Secret{oldSec}, specID, ts,
			"v2," + strings.TrimPrefix(specSignature, "v1,"), body, false},
		{"empty header", []Secret{oldSec}, specID, ts, "", body, false},
		{"non-canonical base64", []Secret{oldSec}, specID, ts,
			"v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OG=", body, false},
		{"truncated signature", []Secret{oldSec}, specID, ts, specSignature[:20], body, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, verifySignature(tt.secrets, tt.id, tt.ts, tt.header, tt.body))
		})
	}
}

func TestParseSignaturesBounded(t *testing.T) {
	header := strings.Repeat(specSignature+" ", 100)
	assert.Len(t, parseSignatures(header), maxSignatures)
}

func TestParseSecret(t *testing.T) {
	b64 := func(n int) string {
		return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, n))
	}
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"spec secret", specSecret, true},
		{"surrounding space", " " + specSecret + "\n", true},
		{"64 bytes", "whsec_" + b64(64), true},
		{"no prefix", strings.TrimPrefix(specSecret, "whsec_"), false},
		{"other prefix", "whsk_" + b64(32), false},
		{"not base64", "whsec_!!!!", false},
		{"too short", "whsec_" + b64(23), false},
		{"too long", "whsec_" + b64(65), false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseSecret(tt.in)
			if !tt.ok {
				require.Error(t, err)
				assert.True(t, strings.HasPrefix(err.Error(), "webhook: "))
				assert.True(t, s.IsZero())
				return
			}
			require.NoError(t, err)
			assert.False(t, s.IsZero())
		})
	}
}

func TestGenerateSecretParses(t *testing.T) {
	a, b := GenerateSecret(), GenerateSecret()
	assert.NotEqual(t, a, b)
	_, err := ParseSecret(a)
	require.NoError(t, err)
}

func TestSecretsAreRedacted(t *testing.T) {
	sec, err := ParseSecret(specSecret)
	require.NoError(t, err)
	tok := Token("s3cr3t-token-value")
	type config struct {
		Secrets []Secret
		Tokens  []Token
	}
	cfg := config{Secrets: []Secret{sec}, Tokens: []Token{tok}}

	var out bytes.Buffer
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%q"} {
		fmt.Fprintf(&out, verb+"\n", cfg)
		fmt.Fprintf(&out, verb+"\n", sec)
		fmt.Fprintf(&out, verb+"\n", tok)
	}
	slog.New(slog.NewJSONHandler(&out, nil)).Info("cfg", "secret", sec, "token", tok, "cfg", cfg)
	slog.New(slog.NewTextHandler(&out, nil)).Info("cfg", "secret", sec, "token", tok)

	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(specSecret, "whsec_"))
	require.NoError(t, err)
	text := out.String()
	assert.NotContains(t, text, "MfKQ9r8G")
	assert.NotContains(t, text, "s3cr3t")
	assert.NotContains(t, text, fmt.Sprintf("%x", raw[:4]))
	assert.NotContains(t, text, fmt.Sprint(raw[:4]))
	assert.Contains(t, text, "[redacted]")
}

func TestSignRefusesBadInput(t *testing.T) {
	sec, err := ParseSecret(specSecret)
	require.NoError(t, err)
	now := time.Unix(specTimestamp, 0)
	tests := []struct {
		name   string
		secret Secret
		id     string
		ts     time.Time
	}{
		{"empty secret", Secret{}, specID, now},
		{"empty id", sec, "", now},
		{"id with full stop", sec, "msg.1", now},
		{"id with space", sec, "msg 1", now},
		{"id too long", sec, strings.Repeat("a", maxIDLen+1), now},
		{"before 1970", sec, specID, time.Unix(-1, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Sign(tt.secret, tt.id, tt.ts, nil)
			require.Error(t, err)
			assert.True(t, strings.HasPrefix(err.Error(), "webhook: "))
		})
	}
	_, err = SignHeaders(specID, now, nil)
	require.Error(t, err, "no secret")
}

func TestSignRequestSetsHeaders(t *testing.T) {
	a, err := ParseSecret(specSecret)
	require.NoError(t, err)
	b, err := ParseSecret(GenerateSecret())
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, "http://example.test/", nil)
	require.NoError(t, err)
	err = SignRequest(req, specID, time.Unix(specTimestamp, 0), []byte(specBody), a, b)
	require.NoError(t, err)

	assert.Equal(t, specID, req.Header.Get("Webhook-Id"))
	assert.Equal(t, "1614265330", req.Header.Get("Webhook-Timestamp"))
	sigs := strings.Fields(req.Header.Get("Webhook-Signature"))
	require.Len(t, sigs, 2)
	assert.Equal(t, specSignature, sigs[0])
	assert.True(t, verifySignature([]Secret{b}, specID, "1614265330",
		req.Header.Get(HeaderSignature), []byte(specBody)))
}

func TestNewMessageID(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		id := NewMessageID()
		require.True(t, strings.HasPrefix(id, "msg_"), id)
		require.NoError(t, checkID(id))
		require.False(t, seen[id], "duplicate id %s", id)
		seen[id] = true
	}
}

func TestParseTimestamp(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"1614265330", true},
		{"0", true},
		{"", false},
		{"+1614265330", false},
		{"-1", false},
		{"1614265330.5", false},
		{" 1614265330", false},
		{"99999999999999999999", false},
		{"1e9", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, ok := parseTimestamp(tt.in)
			assert.Equal(t, tt.ok, ok)
		})
	}
}
