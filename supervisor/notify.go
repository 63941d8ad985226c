package supervisor

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Notification tells people what the supervisor did or needs. It is a
// plain value; its JSON form is what [WebhookNotifier] posts.
type Notification struct {
	// Text is a one-line summary for humans. Slack shows it.
	Text         string    `json:"text"`
	Time         time.Time `json:"time"`
	ID           string    `json:"id,omitempty"`
	Code         string    `json:"code,omitempty"`
	ReplacedCode string    `json:"replaced_code,omitempty"`
	Target       string    `json:"target,omitempty"`
	Action       string    `json:"action,omitempty"`
	Outcome      Outcome   `json:"outcome"`
	Runbook      string    `json:"runbook,omitempty"`
	Severity     string    `json:"severity,omitempty"`
	Actor        string    `json:"actor,omitempty"`
	Error        string    `json:"error,omitempty"`
	// NeedsHuman is set when automation has stopped and someone must act:
	// a target given up, the supervisor unhealthy.
	NeedsHuman bool `json:"needs_human"`
}

// Notifier delivers notifications. Notify is called from one goroutine of
// the supervisor's, never from the decision loop, with a context that ends
// at Close; it may block for as long as delivery takes. An error makes the
// supervisor retry, a bounded number of times.
type Notifier interface {
	Notify(ctx context.Context, n Notification) error
}

// noteFor summarises a record for humans.
func noteFor(r Record, severity string, human bool) Notification {
	n := Notification{
		Time: r.Time, ID: r.ID, Code: r.Code, ReplacedCode: r.ReplacedCode,
		Target: r.Target, Action: r.Action, Outcome: r.Outcome, Runbook: r.Runbook,
		Severity: severity, Actor: r.Actor, Error: r.Error, NeedsHuman: human,
	}
	var b strings.Builder
	fmt.Fprintf(&b, "selfheal: %s", r.Outcome)
	if r.Action != "" {
		fmt.Fprintf(&b, " %s", r.Action)
	}
	if r.Target != "" {
		fmt.Fprintf(&b, " on %s", r.Target)
	}
	if r.Code != "" {
		fmt.Fprintf(&b, " for %s", r.Code)
	}
	if human {
		b.WriteString("; needs a human")
	}
	if r.Runbook != "" {
		fmt.Fprintf(&b, " (runbook: %s)", r.Runbook)
	}
	n.Text = b.String()
	return n
}

// SlogNotifier logs notifications: at Warn when they need a human, at Info
// otherwise. The zero value logs to [slog.Default].
type SlogNotifier struct {
	// Logger receives the notifications. Nil means slog.Default().
	Logger *slog.Logger
}

// Notify logs n. It never fails.
func (l SlogNotifier) Notify(ctx context.Context, n Notification) error {
	lg := l.Logger
	if lg == nil {
		lg = slog.Default()
	}
	level := slog.LevelInfo
	if n.NeedsHuman {
		level = slog.LevelWarn
	}
	lg.Log(ctx, level, n.Text, "code", n.Code, "target", n.Target, "action", n.Action,
		"outcome", n.Outcome, "runbook", n.Runbook, "needs_human", n.NeedsHuman,
		"id", n.ID, "error", n.Error)
	return nil
}

// WebhookNotifier posts each notification as JSON to a URL. The body is
// the [Notification]; its "text" field is what a Slack incoming webhook
// shows, and the other fields are there for machines. It is safe for
// concurrent use; URL is required.
type WebhookNotifier struct {
	// URL receives the POSTs.
	URL string
	// Client sends them. Nil means a client with a 10 second timeout.
	Client *http.Client
}

var defaultWebhookClient = &http.Client{Timeout: 10 * time.Second}

// Notify posts n and fails unless the response is 2xx.
func (w WebhookNotifier) Notify(ctx context.Context, n Notification) error {
	body, err := json.Marshal(n)
	if err != nil {
		return fmt.Errorf("supervisor: encode notification: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("supervisor: webhook notification: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	c := w.Client
	if c == nil {
		c = defaultWebhookClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("supervisor: webhook notification: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("supervisor: webhook notification: %s answered %s", w.URL, resp.Status)
	}
	return nil
}

// dispatcher sends notifications from a bounded queue on its own goroutine,
// so that a slow or broken notifier never holds up a decision.
type dispatcher struct {
	notifiers []Notifier
	clock     Clock
	log       *slog.Logger
	retries   int
	backoff   time.Duration
	queue     chan Notification
	stop      chan struct{}
	stopOnce  sync.Once
	ctx       context.Context
	cancel    context.CancelFunc
	dropped   atomic.Uint64
	dropping  atomic.Bool // set while drops go unlogged, until one fits again
	failed    atomic.Uint64
}

// newDispatcher starts the dispatcher's goroutine, counted in wg, unless
// there is nobody to notify.
func newDispatcher(cfg Config, wg *sync.WaitGroup) *dispatcher {
	d := &dispatcher{
		notifiers: cfg.Notifiers, clock: cfg.Clock, log: cfg.Logger,
		retries: max(cfg.NotifyRetries, 0), backoff: cfg.NotifyBackoff,
		queue: make(chan Notification, cfg.NotifyQueueSize),
		stop:  make(chan struct{}),
	}
	d.ctx, d.cancel = context.WithCancel(context.Background())
	if len(d.notifiers) == 0 {
		return d
	}
	wg.Add(1)
	go d.run(wg)
	return d
}

// send queues n without blocking; a full queue drops it and counts the drop.
// Only the first drop of a run is logged at Warn, so a storm cannot turn
// into a flood of logs.
func (d *dispatcher) send(n Notification) {
	if len(d.notifiers) == 0 {
		return
	}
	select {
	case d.queue <- n:
		d.dropping.Store(false)
	default:
		d.dropped.Add(1)
		if !d.dropping.Swap(true) {
			d.log.Warn("supervisor: notification queue full; dropping",
				"queue", cap(d.queue), "outcome", n.Outcome, "target", n.Target)
		}
	}
}

// close stops the dispatcher; notifications still queued are dropped.
func (d *dispatcher) close() {
	d.stopOnce.Do(func() {
		close(d.stop)
		d.cancel()
	})
}

func (d *dispatcher) run(wg *sync.WaitGroup) {
	defer wg.Done()
	for {
		select {
		case <-d.stop:
			d.dropped.Add(uint64(len(d.queue)))
			return
		case n := <-d.queue:
			for _, nf := range d.notifiers {
				d.deliver(nf, n)
			}
		}
	}
}

// deliver tries nf, retrying with doubling backoff on the clock.
func (d *dispatcher) deliver(nf Notifier, n Notification) {
	wait := d.backoff
	for attempt := 0; ; attempt++ {
		err := nf.Notify(d.ctx, n)
		if err == nil {
			return
		}
		if attempt == d.retries || !d.sleep(wait) {
			d.failed.Add(1)
			d.log.Warn("supervisor: notification not delivered",
				"attempts", attempt+1, "outcome", n.Outcome, "target", n.Target, "err", err)
			return
		}
		wait *= 2
	}
}

// sleep waits d on the clock and reports false if the dispatcher stopped.
func (d *dispatcher) sleep(wait time.Duration) bool {
	t := d.clock.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C():
		return true
	case <-d.stop:
		return false
	}
}
