package statuspage

import (
	"errors"
	"log/slog"
	"time"

	"github.com/selfheal/selfheal/breaker"
	"github.com/selfheal/selfheal/flags"
	"github.com/selfheal/selfheal/heal"
)

// ErrUnknown is returned (wrapped) by a [Faults] implementation asked for
// a fault it does not have; the page answers 404 for it.
var ErrUnknown = errors.New("statuspage: unknown name")

// Config configures a [Page]. Healer is required; the zero value of every
// other field is a working default.
type Config struct {
	// Healer is the healer whose state the page shows and whose
	// supervisor the controls act on. Required.
	Healer *heal.Healer
	// Breakers, when set, are listed and can be reset. Nil means the page
	// has no breaker section.
	Breakers *breaker.Set
	// Flags, when set, has its killed flags listed and revivable. Nil
	// means the page has no flag section.
	Flags *flags.Switch
	// Faults, when set, lists named faults an operator may inject and
	// clear, for demonstrations. Nil means no fault controls.
	Faults Faults

	// Tokens are the secrets that allow controls, each naming its
	// operator. Nil means the page is read-only.
	Tokens []Token

	// Clock is the source of time for relative times and mute deadlines.
	// Nil means the supervisor's clock, read through its Health, so that a
	// mute's deadline is judged on the clock that enforces it.
	Clock heal.Clock
	// Logger receives one Info line per control an operator uses. Nil
	// means [slog.Default].
	Logger *slog.Logger

	// Title heads the page. Empty means "selfheal status".
	Title string
	// AuditTail is how many of the latest audit records are shown. Zero
	// means 20; the supervisor keeps only so many in memory.
	AuditTail int
	// RefreshInterval is how often the page fetches fresh data. Zero means
	// two seconds; negative means the page does not refresh itself.
	RefreshInterval time.Duration
	// MaxMute bounds the duration of a mute set from the page. Zero means
	// 24 hours.
	MaxMute time.Duration
}

// Token is a secret that allows an operator to use the page's controls.
type Token struct {
	// Secret is sent by the browser as a bearer token. It must be at least
	// 16 bytes long.
	Secret string
	// Operator names the person holding the token; the supervisor records
	// "human:"+Operator as the actor of every control they use.
	Operator string
}

// Faults is a set of named faults an operator may inject from the page,
// so that a demonstration can show the healer at work. Package
// statuspage/failpoints adapts healtest failpoints to it.
//
// Implementations must be safe for concurrent use.
type Faults interface {
	// List returns the faults, in the order the page should show them.
	List() []Fault
	// Inject turns the named fault on. An unknown name returns an error
	// wrapping [ErrUnknown].
	Inject(name string) error
	// Clear turns the named fault off. An unknown name returns an error
	// wrapping [ErrUnknown].
	Clear(name string) error
}

// Fault is one named fault as a [Faults] lists it.
type Fault struct {
	Name string `json:"name"`
	// Active is set while the fault is injected.
	Active bool `json:"active"`
	// Description says what injecting it does, for the page.
	Description string `json:"description,omitempty"`
}

// Defaults that Config's zero values stand for.
const (
	defaultTitle   = "selfheal status"
	defaultTail    = 20
	defaultRefresh = 2 * time.Second
	defaultMaxMute = 24 * time.Hour
	minSecret      = 16
)
