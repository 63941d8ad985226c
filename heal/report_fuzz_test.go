package heal_test

import (
	"errors"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/selfheal/selfheal/heal"
	"github.com/selfheal/selfheal/healtest"
)

// FuzzReport feeds Report, Handle and Fire codes and targets as they might
// arrive from untrusted error metadata or a webhook: nothing panics, the
// targets stay bounded, and an unknown code is never eligible.
func FuzzReport(f *testing.F) {
	for _, s := range []string{"DB-CONN-001", "", "DB-CONN-00", "AB-CD-001", "\x00\xff",
		"HEAL-UNCLASSIFIED-000", "SVC-DEP-001-extra", "ZZZZZZZZZZZZZZZZ-ZZZZZZZZZZZZZZZZ-999"} {
		f.Add(s, "payments")
	}
	h, err := heal.New(heal.Config{Clock: healtest.NewClock(healtest.Epoch), MaxTargets: 4,
		Logger: slog.New(slog.DiscardHandler)})
	require.NoError(f, err)
	f.Cleanup(func() { _ = h.Close() })
	require.NoError(f, h.On("DB-*", heal.AtLeast(1000, 60e9), nil))

	f.Fuzz(func(t *testing.T, code, target string) {
		h.Report(&heal.Error{Code: heal.Code(code), Target: target})
		h.Report(errors.New(code))
		hd := h.Code(heal.Code(code)).Target(target)
		hd.Report()
		hd.Success()
		if !h.Known(code) {
			assert.Equal(t, heal.CodeUnclassified, hd.Code())
			err := h.Fire(t.Context(), heal.Request{Code: code, Target: target})
			assert.ErrorIs(t, err, heal.ErrNotEligible)
		}
		perCode := map[heal.Code]int{}
		h.Counts(func(c heal.Count) { perCode[c.Code]++ })
		for c, n := range perCode {
			assert.LessOrEqual(t, n, 5, "targets of %s: four plus the overflow", c)
		}
	})
}
