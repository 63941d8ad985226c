package heal

import (
	"fmt"
	"strings"
)

// Code is a structured error code of the form DOMAIN-CATEGORY-NNN, for
// example "DB-CONN-001". DOMAIN and CATEGORY are 2 to 16 upper-case ASCII
// letters and digits starting with a letter; NNN is exactly three digits.
//
// A Code is a plain string so that constants convert to it implicitly; use
// [ParseCode] or [Code.Validate] to check one that came from outside.
type Code string

// Limits of the parts of a [Code].
const (
	minPartLen = 2
	maxPartLen = 16
	numberLen  = 3
	// MaxCodeLen is the length of the longest well-formed code.
	MaxCodeLen = maxPartLen + 1 + maxPartLen + 1 + numberLen
)

// ParseCode parses s as a [Code]. The error names the part that is wrong:
//
//	"DB-conn-001": category "conn" must be upper-case
func ParseCode(s string) (Code, error) {
	c := Code(s)
	if err := c.Validate(); err != nil {
		return "", err
	}
	return c, nil
}

// MustParseCode is like [ParseCode] but panics on a malformed code. It is
// meant for package-level variables initialised from constants.
func MustParseCode(s string) Code {
	c, err := ParseCode(s)
	if err != nil {
		panic(err)
	}
	return c
}

// Validate reports whether c is well-formed, naming the part that is not.
func (c Code) Validate() error {
	s := string(c)
	if len(s) > MaxCodeLen {
		return fmt.Errorf("heal: code %.*q...: longer than %d characters",
			MaxCodeLen, s, MaxCodeLen)
	}
	parts := strings.Split(s, "-")
	if len(parts) != 3 {
		return fmt.Errorf("heal: code %q: want DOMAIN-CATEGORY-NNN, found %d part(s)",
			s, len(parts))
	}
	if err := checkPart("domain", parts[0]); err != nil {
		return fmt.Errorf("heal: code %q: %w", s, err)
	}
	if err := checkPart("category", parts[1]); err != nil {
		return fmt.Errorf("heal: code %q: %w", s, err)
	}
	if err := checkNumber(parts[2]); err != nil {
		return fmt.Errorf("heal: code %q: %w", s, err)
	}
	return nil
}

// Domain returns the DOMAIN part of a well-formed code ("DB" in
// "DB-CONN-001"), or "" if c is malformed.
func (c Code) Domain() string {
	d, _, _, ok := c.split()
	if !ok {
		return ""
	}
	return d
}

// Category returns the CATEGORY part of a well-formed code ("CONN" in
// "DB-CONN-001"), or "" if c is malformed.
func (c Code) Category() string {
	_, cat, _, ok := c.split()
	if !ok {
		return ""
	}
	return cat
}

// String returns the code as text.
func (c Code) String() string { return string(c) }

func (c Code) split() (domain, category, number string, ok bool) {
	if c.Validate() != nil {
		return "", "", "", false
	}
	parts := strings.SplitN(string(c), "-", 3)
	return parts[0], parts[1], parts[2], true
}

// checkPart validates a DOMAIN or CATEGORY part.
func checkPart(name, p string) error {
	switch {
	case p == "":
		return fmt.Errorf("%s is empty", name)
	case len(p) < minPartLen || len(p) > maxPartLen:
		return fmt.Errorf("%s %q must be %d to %d characters", name, p, minPartLen, maxPartLen)
	case !isUpper(p[0]):
		if isLower(p[0]) {
			return fmt.Errorf("%s %q must be upper-case", name, p)
		}
		return fmt.Errorf("%s %q must start with a letter", name, p)
	}
	for i := 0; i < len(p); i++ {
		b := p[i]
		switch {
		case isUpper(b) || isDigit(b):
		case isLower(b):
			return fmt.Errorf("%s %q must be upper-case", name, p)
		default:
			return fmt.Errorf("%s %q may hold only letters A-Z and digits, not %q",
				name, p, rune(b))
		}
	}
	return nil
}

func checkNumber(p string) error {
	if len(p) != numberLen {
		return fmt.Errorf("number %q must be exactly %d digits", p, numberLen)
	}
	for i := 0; i < len(p); i++ {
		if !isDigit(p[i]) {
			return fmt.Errorf("number %q must be exactly %d digits", p, numberLen)
		}
	}
	return nil
}

func isUpper(b byte) bool { return 'A' <= b && b <= 'Z' }
func isLower(b byte) bool { return 'a' <= b && b <= 'z' }
func isDigit(b byte) bool { return '0' <= b && b <= '9' }

// Pattern selects codes for a policy or rule: an exact code
// ("DB-CONN-001"), a category ("SVC-DEP-*") or a domain ("DB-*").
//
// The zero Pattern matches nothing. Patterns are comparable and safe for
// concurrent use.
type Pattern struct {
	domain   string
	category string // empty for a domain pattern
	code     Code   // set only for an exact pattern
}

// ParsePattern parses an exact code, a category pattern "DOMAIN-CATEGORY-*"
// or a domain pattern "DOMAIN-*".
func ParsePattern(s string) (Pattern, error) {
	rest, wild := strings.CutSuffix(s, "-*")
	if !wild {
		c, err := ParseCode(s)
		if err != nil {
			return Pattern{}, fmt.Errorf(
				"heal: pattern %q: not a code, DOMAIN-CATEGORY-* or DOMAIN-*: %w", s, err)
		}
		d, cat, _, _ := c.split()
		return Pattern{domain: d, category: cat, code: c}, nil
	}
	parts := strings.Split(rest, "-")
	if len(parts) > 2 {
		return Pattern{}, fmt.Errorf("heal: pattern %q: want DOMAIN-CATEGORY-* or DOMAIN-*", s)
	}
	if err := checkPart("domain", parts[0]); err != nil {
		return Pattern{}, fmt.Errorf("heal: pattern %q: %w", s, err)
	}
	p := Pattern{domain: parts[0]}
	if len(parts) == 2 {
		if err := checkPart("category", parts[1]); err != nil {
			return Pattern{}, fmt.Errorf("heal: pattern %q: %w", s, err)
		}
		p.category = parts[1]
	}
	return p, nil
}

// MustParsePattern is like [ParsePattern] but panics on a malformed pattern.
func MustParsePattern(s string) Pattern {
	p, err := ParsePattern(s)
	if err != nil {
		panic(err)
	}
	return p
}

// Match reports whether c falls under the pattern.
func (p Pattern) Match(c Code) bool {
	if p.domain == "" {
		return false
	}
	if p.code != "" {
		return c == p.code
	}
	d, cat, _, ok := c.split()
	if !ok || d != p.domain {
		return false
	}
	return p.category == "" || cat == p.category
}

// Exact reports whether the pattern names a single code, and returns it.
func (p Pattern) Exact() (Code, bool) { return p.code, p.code != "" }

// Specificity orders patterns from broad to narrow: 1 for a domain, 2 for a
// category, 3 for an exact code, 0 for the zero Pattern. When several
// policies match a code, the most specific one wins.
func (p Pattern) Specificity() int {
	switch {
	case p.code != "":
		return 3
	case p.category != "":
		return 2
	case p.domain != "":
		return 1
	}
	return 0
}

// String returns the pattern as it would be parsed.
func (p Pattern) String() string {
	switch {
	case p.code != "":
		return string(p.code)
	case p.category != "":
		return p.domain + "-" + p.category + "-*"
	case p.domain != "":
		return p.domain + "-*"
	}
	return ""
}
