package webhook

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOverHTTP drives a real server on loopback with net/http, as a sender
// and Alertmanager would, so headers, bodies and deadlines go through a
// real connection rather than a recorder.
func TestOverHTTP(t *testing.T) {
	f := newFixture(t, nil)
	mux := http.NewServeMux()
	mux.Handle("POST /selfheal/trigger", f.rc.Trigger())
	mux.Handle("POST /selfheal/alertmanager", f.rc.Alertmanager())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	client := srv.Client()
	t.Cleanup(client.CloseIdleConnections)

	post := func(t *testing.T, path string, body []byte, header http.Header) int {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, srv.URL+path, bytes.NewReader(body))
		require.NoError(t, err)
		req.Header = header
		resp, err := client.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		return resp.StatusCode
	}
	signedHeader := func(t *testing.T, id string, body []byte) http.Header {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, srv.URL, nil)
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		require.NoError(t, SignRequest(req, id, f.clock.Now(), body, f.secret))
		return req.Header
	}

	body := []byte(validBody)
	id := NewMessageID()
	h := signedHeader(t, id, body)
	assert.Equal(t, http.StatusAccepted, post(t, "/selfheal/trigger", body, h))
	assert.Equal(t, http.StatusConflict, post(t, "/selfheal/trigger", body, h), "replay")

	tampered := bytes.Replace(body, []byte("payments"), []byte("ledger__"), 1)
	assert.Equal(t, http.StatusUnauthorized,
		post(t, "/selfheal/trigger", tampered, signedHeader(t, NewMessageID(), body)))

	big := []byte(`{"code":"SVC-DEP-001","reason":"` + strings.Repeat("x", 70<<10) + `"}`)
	assert.Equal(t, http.StatusRequestEntityTooLarge,
		post(t, "/selfheal/trigger", big, signedHeader(t, NewMessageID(), big)))

	am := http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer am-token"}}
	assert.Equal(t, http.StatusAccepted, post(t, "/selfheal/alertmanager", []byte(amBody), am))

	fired := f.target.firedRequests()
	require.Len(t, fired, 2)
	assert.Equal(t, "webhook:ci", fired[0].Actor)
	assert.Equal(t, "webhook:selfheal", fired[1].Actor)
}

// TestSlowBodyTimesOut checks the read deadline: a client that sends its
// headers and then stalls is cut off after ReadTimeout. The wait is on a
// real connection deadline, which no fake clock can drive, so the timeout
// is short; nothing in the test sleeps.
func TestSlowBodyTimesOut(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.ReadTimeout = 50 * time.Millisecond })
	srv := httptest.NewServer(f.rc.Trigger())
	t.Cleanup(srv.Close)

	// Part of the body, then nothing until the test ends.
	pr, pw := io.Pipe()
	t.Cleanup(func() { _ = pw.Close() })
	go func() { _, _ = pw.Write([]byte(`{"code":`)) }()
	req, err := http.NewRequest(http.MethodPost, srv.URL, pr)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	require.NoError(t, SignRequest(req, "msg_slow", f.clock.Now(), []byte(validBody), f.secret))

	client := srv.Client()
	t.Cleanup(client.CloseIdleConnections)
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusRequestTimeout, resp.StatusCode)
	assert.Equal(t, []string{whyReadTimeout}, f.target.whys())
	assert.Empty(t, f.target.firedRequests())
}
