package heal_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/selfheal/selfheal/heal"
)

func TestTaxonomyNewTakesMeaningFromDefinition(t *testing.T) {
	tax := heal.DefaultTaxonomy()
	e := tax.New("DB-CONN-001", "orders-db", "")
	assert.Equal(t, heal.SeverityCritical, e.Severity)
	assert.True(t, e.Retryable)
	assert.Equal(t, "Database connection pool exhausted", e.Message)

	unknown := tax.New("XX-YY-001", "t", "odd")
	assert.Equal(t, heal.SeverityUnknown, unknown.Severity)
	assert.False(t, unknown.Retryable)
}

func TestErrorWorksWithTheStandardLibrary(t *testing.T) {
	tax := heal.DefaultTaxonomy()
	cause := io.ErrUnexpectedEOF
	err := fmt.Errorf("charge card: %w", tax.Wrap("SVC-DEP-001", "payments", cause))

	assert.True(t, errors.Is(err, &heal.Error{Code: "SVC-DEP-001"}), "errors.Is matches by code")
	assert.False(t, errors.Is(err, &heal.Error{Code: "SVC-DEP-002"}))
	assert.True(t, errors.Is(err, io.ErrUnexpectedEOF), "Unwrap reaches the cause")
	assert.True(t, heal.HasCode(err, "SVC-DEP-001"))

	var he *heal.Error
	require.True(t, errors.As(err, &he))
	assert.Equal(t, "payments", he.Target)
	assert.Equal(t, "SVC-DEP-001 payments: Upstream dependency unreachable: unexpected EOF",
		he.Error())

	assert.Nil(t, tax.Wrap("SVC-DEP-001", "payments", nil), "wrapping nil is nil")
	_, ok := heal.AsError(errors.New("plain"))
	assert.False(t, ok)
}

func TestErrorLogValueRedactsSecrets(t *testing.T) {
	tax := heal.DefaultTaxonomy()
	e := tax.New("AUTH-TOKEN-001", "idp", "token rejected").
		With("user", "alice").
		With("api_key", "k-123").
		With("Authorization", "Bearer abc").
		With("db_password", "hunter2").
		With("refresh_token", "rt")

	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Error("failed", "err", e)
	var line map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &line))
	got := line["err"].(map[string]any)
	assert.Equal(t, "AUTH-TOKEN-001", got["code"])
	assert.Equal(t, "high", got["severity"])
	assert.Equal(t, false, got["retryable"])
	assert.Equal(t, "idp", got["target"])
	md := got["metadata"].(map[string]any)
	assert.Equal(t, "alice", md["user"])
	for _, k := range []string{"api_key", "Authorization", "db_password", "refresh_token"} {
		assert.Equal(t, "[REDACTED]", md[k], k)
	}
	for _, secret := range []string{"k-123", "Bearer abc", "hunter2", `"rt"`} {
		assert.NotContains(t, buf.String(), secret)
	}
}

func TestErrorWithBoundsMetadata(t *testing.T) {
	e := heal.DefaultTaxonomy().New("DB-CONN-001", "", "")
	for i := range heal.MaxMetadataKeys + 5 {
		e = e.With(fmt.Sprintf("k%d", i), string(bytes.Repeat([]byte("v"), 1000)))
	}
	assert.Len(t, e.Metadata, heal.MaxMetadataKeys)
	for _, v := range e.Metadata {
		assert.Len(t, v, heal.MaxMetadataValueLen)
	}
	// With never changes the receiver.
	base := heal.DefaultTaxonomy().New("DB-CONN-001", "", "")
	_ = base.With("a", "b")
	assert.Empty(t, base.Metadata)
}
