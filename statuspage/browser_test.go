package statuspage_test

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/selfheal/selfheal/statuspage"
)

// chromium finds a Chromium to drive: $SELFHEAL_CHROMIUM, else the usual
// names on PATH. It skips the test with how to get one otherwise.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("SELFHEAL_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const msg = "no Chromium found: install Chromium (apt-get install chromium) " +
		"or set SELFHEAL_CHROMIUM; .ci/run installs it"
	if os.Getenv("SELFHEAL_REQUIRE_SERVICES") != "" {
		t.Fatal(msg + " (SELFHEAL_REQUIRE_SERVICES is set, so CI does not skip)")
	}
	t.Skip(msg)
	return ""
}

// browser starts a headless Chromium for the test and returns a context
// driving one tab. Cleanup closes the browser and waits for the process
// to exit, so that no goroutine or process outlives the test.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := chromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1400, 1000),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() {
		// Close the browser gracefully, then let the allocator reap it.
		assert.NoError(t, chromedp.Cancel(bctx))
		cancelTab()
		cancelAlloc()
		cancel()
	})
	return bctx
}

func TestBrowserShowsIncidentAndMutes(t *testing.T) {
	f := newFixture(t, func(c *statuspage.Config) { c.RefreshInterval = 100 * time.Millisecond })
	f.fire(t, "payments")
	ctx := browser(t)

	// First paint, rendered by the server.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(f.srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`#incidents td.code`)),
	))
	incidents := text(t, ctx, "#incidents")
	assert.Contains(t, incidents, "SVC-DEP-001")
	assert.Contains(t, incidents, "payments")
	assert.Contains(t, text(t, ctx, "#cooldowns"), "cooldown 10m left")
	audit := text(t, ctx, "#audit")
	assert.Contains(t, audit, "recycle")
	assert.Contains(t, audit, "started")

	// The script re-renders from status.json: move the fake clock and wait
	// for the page to show the new time left.
	f.clk.Advance(48 * time.Second)
	waitFor(t, ctx,
		`document.querySelector('#cooldowns').textContent.includes('cooldown 9m12s left')`)

	// Enter the token, then mute with a reason.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`#token`), aliceToken),
		chromedp.Click(chromedp.CSS(`#token-save`)),
	))
	assert.Equal(t, "token set for this tab", text(t, ctx, "#token-state"))
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`#mute-for`), "20m"),
		chromedp.SendKeys(chromedp.CSS(`#mute-reason`), "investigating payments"),
		chromedp.Click(chromedp.CSS(`#mute`)),
		chromedp.WaitVisible(chromedp.CSS(`#muted`)),
	))
	assert.Equal(t, "muted, 20m left, by human:alice: investigating payments",
		text(t, ctx, "#muted"))

	m := f.h.Supervisor().Snapshot().Mute
	require.NotNil(t, m)
	assert.Equal(t, "human:alice", m.By)
	assert.Equal(t, "investigating payments", m.Reason)
	assert.Equal(t, f.clk.Now().Add(20*time.Minute), m.Until)
	waitFor(t, ctx, `document.querySelector('#audit').textContent.includes('human:alice')`)

	screenshot(t, ctx)
}

// text returns the text of the element sel selects. It reads it in one
// evaluation, since the refreshing script replaces nodes between two
// DevTools calls.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`document.querySelector(`+strconv.Quote(sel)+`).textContent`))
	require.NoError(t, err)
	return s
}

// waitFor waits until the JavaScript expression is true: an event on the
// page, not a span of time.
func waitFor(t *testing.T, ctx context.Context, expr string) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr,
		chromedp.WithPollingInterval(20*time.Millisecond)))
	require.NoError(t, err, "waiting for %s", expr)
}

// screenshot saves the page to $SELFHEAL_STATUSPAGE_SCREENSHOT, when set,
// for a person to look at.
func screenshot(t *testing.T, ctx context.Context) {
	t.Helper()
	path := os.Getenv("SELFHEAL_STATUSPAGE_SCREENSHOT")
	if path == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, png, 0o644))
}
