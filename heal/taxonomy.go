package heal

import (
	"fmt"
	"net/url"
	"strings"
)

// Definition documents one code: what it means, who owns it, how urgent it
// is, and how to respond. Every definition needs a title, an owner, a
// severity, a runbook and a response.
type Definition struct {
	Code      Code
	Title     string
	Owner     string // the team that owns the code, e.g. "team-data"
	Severity  Severity
	Retryable bool   // whether a caller may retry the failed operation
	Runbook   string // absolute http(s) URL of the runbook
	Response  string // what to do when the code fires

	// Deprecated codes stay defined so that old reports still resolve;
	// ReplacedBy names the active code that supersedes them.
	Deprecated bool
	ReplacedBy Code
}

// Taxonomy is an immutable, validated set of code definitions. Build one
// with [NewTaxonomy], [LoadTaxonomy] or [ParseTaxonomy].
//
// A Taxonomy is safe for concurrent use. The zero value is an empty
// taxonomy that defines no codes.
type Taxonomy struct {
	list  []Definition   // in definition order
	index map[Code]int32 // code -> position in list
}

// Problem is one thing wrong with a taxonomy, with where it was found.
type Problem struct {
	File string // file name, when loaded from a file
	Line int    // 1-based line, when the format provides one
	Code Code   // the code concerned, when known
	Msg  string
}

// String formats the problem as "file:line: CODE: message".
func (p Problem) String() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		if p.Line > 0 {
			fmt.Fprintf(&b, ":%d", p.Line)
		}
		b.WriteString(": ")
	} else if p.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", p.Line)
	}
	if p.Code != "" {
		b.WriteString(string(p.Code))
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// TaxonomyError lists every problem found while validating a taxonomy, not
// only the first.
type TaxonomyError struct {
	Problems []Problem
}

// Error lists the problems, one per line.
func (e *TaxonomyError) Error() string {
	lines := make([]string, 0, len(e.Problems)+1)
	lines = append(lines, fmt.Sprintf("heal: invalid taxonomy: %d problem(s)", len(e.Problems)))
	for _, p := range e.Problems {
		lines = append(lines, "\t"+p.String())
	}
	return strings.Join(lines, "\n")
}

// NewTaxonomy validates defs and returns a taxonomy holding copies of them.
// On failure it returns a *[TaxonomyError] listing every problem.
func NewTaxonomy(defs ...Definition) (*Taxonomy, error) {
	located := make([]locatedDef, len(defs))
	for i, d := range defs {
		located[i] = locatedDef{Definition: d}
	}
	return buildTaxonomy("", located)
}

// MustNewTaxonomy is like [NewTaxonomy] but panics on invalid definitions.
func MustNewTaxonomy(defs ...Definition) *Taxonomy {
	t, err := NewTaxonomy(defs...)
	if err != nil {
		panic(err)
	}
	return t
}

// locatedDef is a definition with where it came from, for error messages.
type locatedDef struct {
	Definition
	line  int
	lines map[string]int  // field name -> line
	bad   map[string]bool // fields that failed to decode, already reported
}

func (d *locatedDef) lineOf(field string) int {
	if l, ok := d.lines[field]; ok {
		return l
	}
	return d.line
}

// buildTaxonomy validates every definition and their references, collecting
// all problems before giving up.
func buildTaxonomy(file string, defs []locatedDef) (*Taxonomy, error) {
	var probs []Problem
	add := func(d *locatedDef, field, format string, args ...any) {
		probs = append(probs, Problem{File: file, Line: d.lineOf(field), Code: d.Code,
			Msg: fmt.Sprintf(format, args...)})
	}

	t := &Taxonomy{index: make(map[Code]int32, len(defs))}
	first := make(map[Code]*locatedDef, len(defs))
	for i := range defs {
		d := &defs[i]
		validateDefinition(d, add)
		if d.Code.Validate() != nil {
			continue
		}
		if prev, dup := first[d.Code]; dup {
			add(d, "code", "duplicate definition (first defined%s)", atLine(prev.line))
			continue
		}
		first[d.Code] = d
		t.index[d.Code] = int32(len(t.list))
		t.list = append(t.list, d.Definition)
	}
	for _, d := range t.list {
		checkReplacement(first[d.Code], first, add)
	}
	if len(probs) > 0 {
		return nil, &TaxonomyError{Problems: sortProblems(probs)}
	}
	return t, nil
}

func atLine(line int) string {
	if line > 0 {
		return fmt.Sprintf(" at line %d", line)
	}
	return " earlier"
}

type addFunc func(d *locatedDef, field, format string, args ...any)

// validateDefinition checks the fields of one definition on its own.
func validateDefinition(d *locatedDef, add addFunc) {
	if err := d.Code.Validate(); err != nil {
		if d.Code == "" {
			add(d, "code", "code is missing")
		} else {
			add(d, "code", "%s", strings.TrimPrefix(err.Error(), "heal: "))
		}
	}
	required := []struct{ field, value string }{
		{"title", d.Title}, {"owner", d.Owner}, {"runbook", d.Runbook}, {"response", d.Response},
	}
	for _, r := range required {
		if strings.TrimSpace(r.value) == "" && !d.bad[r.field] {
			add(d, r.field, "%s is required", r.field)
		}
	}
	validSeverity := d.Severity != SeverityUnknown && int(d.Severity) < len(severityNames)
	if !validSeverity && !d.bad["severity"] {
		add(d, "severity", "severity is required: low, medium, high or critical")
	}
	if d.Runbook != "" {
		u, err := url.Parse(d.Runbook)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			add(d, "runbook", "runbook %q must be an absolute http or https URL", d.Runbook)
		}
	}
	switch {
	case d.Deprecated && d.ReplacedBy == "":
		add(d, "deprecated", "deprecated code must name its replacement in replaced_by")
	case !d.Deprecated && d.ReplacedBy != "":
		add(d, "replaced_by", "replaced_by is set but the code is not deprecated")
	}
}

// checkReplacement checks that a deprecated code points at an active,
// defined code, and reports cycles of replacements.
func checkReplacement(d *locatedDef, all map[Code]*locatedDef, add addFunc) {
	if !d.Deprecated || d.ReplacedBy == "" {
		return
	}
	if d.ReplacedBy == d.Code {
		add(d, "replaced_by", "replaced_by names the code itself")
		return
	}
	next, ok := all[d.ReplacedBy]
	if !ok {
		add(d, "replaced_by", "replacement %s is not defined", d.ReplacedBy)
		return
	}
	if !next.Deprecated {
		return
	}
	// Follow the chain to say whether it loops or merely ends in another
	// deprecated code; both are errors, but a cycle is the clearer message.
	seen := map[Code]bool{d.Code: true}
	for cur := next; cur != nil && cur.Deprecated; cur = all[cur.ReplacedBy] {
		if seen[cur.Code] {
			add(d, "replaced_by", "replacement cycle: %s", chain(d, all))
			return
		}
		seen[cur.Code] = true
	}
	add(d, "replaced_by", "replacement %s is itself deprecated", d.ReplacedBy)
}

func chain(d *locatedDef, all map[Code]*locatedDef) string {
	codes := []string{string(d.Code)}
	seen := map[Code]bool{d.Code: true}
	for cur := all[d.ReplacedBy]; cur != nil; cur = all[cur.ReplacedBy] {
		codes = append(codes, string(cur.Code))
		if seen[cur.Code] {
			break
		}
		seen[cur.Code] = true
	}
	return strings.Join(codes, " -> ")
}

// Lookup returns the definition of c.
func (t *Taxonomy) Lookup(c Code) (Definition, bool) {
	if t == nil {
		return Definition{}, false
	}
	i, ok := t.index[c]
	if !ok {
		return Definition{}, false
	}
	return t.list[i], true
}

// Resolve follows a deprecated code to its replacement. It returns the
// active definition and whether c was deprecated. It reports false when c
// is not defined.
func (t *Taxonomy) Resolve(c Code) (def Definition, replaced bool, ok bool) {
	d, ok := t.Lookup(c)
	if !ok {
		return Definition{}, false, false
	}
	if !d.Deprecated {
		return d, false, true
	}
	r, ok := t.Lookup(d.ReplacedBy)
	return r, true, ok
}

// Len returns the number of codes defined, deprecated ones included.
func (t *Taxonomy) Len() int {
	if t == nil {
		return 0
	}
	return len(t.list)
}

// Definitions returns copies of every definition in the order they were
// defined.
func (t *Taxonomy) Definitions() []Definition {
	if t == nil {
		return nil
	}
	return append([]Definition(nil), t.list...)
}

// Match returns the codes the pattern selects, in definition order.
func (t *Taxonomy) Match(p Pattern) []Code {
	if t == nil {
		return nil
	}
	var out []Code
	for _, d := range t.list {
		if p.Match(d.Code) {
			out = append(out, d.Code)
		}
	}
	return out
}
