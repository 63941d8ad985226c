package statuspage

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"github.com/selfheal/selfheal/supervisor"
)

//go:embed assets
var assets embed.FS

var pageTmpl = template.Must(template.New("page.html").Funcs(template.FuncMap{
	"rate": func(f float64) string { return fmt.Sprintf("%.2f", f) },
}).ParseFS(assets, "assets/page.html"))

// csp allows the page's own script, style sheet and JSON and nothing
// else: no inline script or style, no other origin, no framing, no form
// posts (controls are fetches).
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; " +
	"connect-src 'self'; img-src 'self'; form-action 'none'; " +
	"frame-ancestors 'none'; base-uri 'none'"

// Page is the status page, an [http.Handler]; see the package
// documentation for its routes. Make one with [New]; the zero value is not
// usable. A Page is safe for concurrent use.
type Page struct {
	cfg      Config // with defaults filled in
	sup      *supervisor.Supervisor
	tokens   []tokenDigest
	undoWait time.Duration // the constant undoWait, which tests shorten
	cop      *http.CrossOriginProtection
	mux      *http.ServeMux
}

// New returns a page over cfg.Healer. It returns an error when the Healer
// is missing, a token is too short or names no operator, or a limit is
// negative.
func New(cfg Config) (*Page, error) {
	if err := check(cfg); err != nil {
		return nil, err
	}
	p := &Page{cfg: withDefaults(cfg), sup: cfg.Healer.Supervisor(),
		tokens: digestTokens(cfg.Tokens), undoWait: undoWait,
		cop: http.NewCrossOriginProtection()}
	p.routes()
	return p, nil
}

func check(cfg Config) error {
	if cfg.Healer == nil {
		return errors.New("statuspage: new: Config.Healer is nil")
	}
	if cfg.AuditTail < 0 || cfg.MaxMute < 0 {
		return fmt.Errorf("statuspage: new: negative AuditTail %d or MaxMute %v",
			cfg.AuditTail, cfg.MaxMute)
	}
	for i, t := range cfg.Tokens {
		if t.Operator == "" {
			return fmt.Errorf("statuspage: new: token %d names no operator", i)
		}
		if len(t.Secret) < minSecret {
			return fmt.Errorf("statuspage: new: token of operator %q is shorter than %d bytes",
				t.Operator, minSecret)
		}
	}
	return nil
}

func withDefaults(cfg Config) Config {
	if cfg.Title == "" {
		cfg.Title = defaultTitle
	}
	if cfg.AuditTail == 0 {
		cfg.AuditTail = defaultTail
	}
	switch {
	case cfg.RefreshInterval == 0:
		cfg.RefreshInterval = defaultRefresh
	case cfg.RefreshInterval < 0:
		cfg.RefreshInterval = 0
	}
	if cfg.MaxMute == 0 {
		cfg.MaxMute = defaultMaxMute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return cfg
}

func (p *Page) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /{$}", p.serveIndex)
	m.HandleFunc("GET /status.json", p.serveJSON)
	m.HandleFunc("GET /app.js", serveAsset("assets/app.js", "text/javascript; charset=utf-8"))
	m.HandleFunc("GET /style.css", serveAsset("assets/style.css", "text/css; charset=utf-8"))
	m.HandleFunc("POST /mute", p.control(p.mute))
	m.HandleFunc("POST /unmute", p.control(p.unmute))
	m.HandleFunc("POST /rearm", p.control(p.rearm))
	m.HandleFunc("POST /breaker/reset", p.control(p.resetBreaker))
	m.HandleFunc("POST /flag/revive", p.control(p.reviveFlag))
	m.HandleFunc("POST /fault/inject", p.control(p.injectFault))
	m.HandleFunc("POST /fault/clear", p.control(p.clearFault))
	p.mux = m
}

// ServeHTTP serves the page, its data and its controls.
func (p *Page) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	p.mux.ServeHTTP(w, r)
}

// now reads Config.Clock or, when none is set, the supervisor's clock,
// which the supervisor exposes only as the time of its Health (and of its
// Snapshot, which [Page.state] uses instead).
func (p *Page) now() time.Time {
	if p.cfg.Clock != nil {
		return p.cfg.Clock.Now()
	}
	return p.sup.Health().Time
}

func (p *Page) serveIndex(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("format") == "json" {
		p.serveJSON(w, r)
		return
	}
	// Render into a buffer first, so a template error is a clean 500
	// rather than half a page.
	var buf bytes.Buffer
	if err := pageTmpl.Execute(&buf, p.state()); err != nil {
		p.cfg.Logger.Error("statuspage: rendering the page", "err", err)
		http.Error(w, "statuspage: rendering failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(buf.Bytes())
}

func (p *Page) serveJSON(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, p.state())
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		http.Error(w, "statuspage: encoding failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write(append(b, '\n'))
}

func serveAsset(name, ctype string) http.HandlerFunc {
	b, err := assets.ReadFile(name)
	if err != nil {
		panic("statuspage: missing embedded asset " + name) // a build mistake
	}
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", ctype)
		_, _ = w.Write(b)
	}
}
