package heal

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// MaxTaxonomySize bounds the taxonomy files selfheal reads. A taxonomy is
// reviewed by people; anything larger is a mistake or an attack.
const MaxTaxonomySize = 4 << 20

// LoadTaxonomy reads and validates a taxonomy file in YAML or JSON (see
// [ParseTaxonomy] for the schema). Problems are reported together, each with
// the file name and line.
func LoadTaxonomy(path string) (*Taxonomy, error) {
	data, err := readBounded(path)
	if err != nil {
		return nil, fmt.Errorf("heal: load taxonomy: %w", err)
	}
	return ParseTaxonomy(filepath.Base(path), data)
}

// readBounded reads the file at path, up to one byte more than
// MaxTaxonomySize so that the caller can tell a file over the limit
// without reading all of it.
func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxTaxonomySize+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return data, nil
}

// ParseTaxonomy validates a taxonomy document. name labels problems (a file
// name, usually). The document is YAML, or JSON with the same shape:
//
//	codes:
//	  - code: DB-CONN-001
//	    title: Database connection pool exhausted
//	    owner: team-data
//	    severity: critical      # low, medium, high or critical
//	    retryable: true
//	    runbook: https://runbooks.example.com/db-conn-001
//	    response: Recycle the pool; page the owner if it recurs within an hour.
//	  - code: DB-QUERY-002
//	    ...
//	    deprecated: true
//	    replaced_by: DB-QUERY-003
//
// Unknown fields are errors, so that a misspelt field is never dropped
// silently. On failure the error is a *[TaxonomyError] listing every problem.
func ParseTaxonomy(name string, data []byte) (*Taxonomy, error) {
	if len(data) > MaxTaxonomySize {
		return nil, &TaxonomyError{Problems: []Problem{{File: name,
			Msg: fmt.Sprintf("larger than the %d-byte limit", MaxTaxonomySize)}}}
	}
	data, err := normalizeJSON(name, data)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &TaxonomyError{Problems: []Problem{yamlProblem(name, err)}}
	}
	d := &decoder{file: name}
	defs := d.document(&doc)
	if len(d.probs) > 0 {
		// Structural problems make field checks unreliable; still run them on
		// what did decode so that one pass reports as much as possible.
		_, err := buildTaxonomy(name, defs)
		var te *TaxonomyError
		if errors.As(err, &te) {
			d.probs = append(d.probs, te.Problems...)
		}
		return nil, &TaxonomyError{Problems: sortProblems(d.probs)}
	}
	return buildTaxonomy(name, defs)
}

// normalizeJSON lets JSON documents go through the YAML parser, which keeps
// line numbers: valid JSON holds tabs only as insignificant whitespace
// (never raw inside strings), and YAML forbids tabs there, so they become
// spaces. A JSON syntax error is reported with its line.
func normalizeJSON(name string, data []byte) ([]byte, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return data, nil
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		line := 0
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line = 1 + bytes.Count(data[:se.Offset], []byte("\n"))
		}
		return nil, &TaxonomyError{Problems: []Problem{{File: name, Line: line,
			Msg: "invalid JSON: " + err.Error()}}}
	}
	return bytes.ReplaceAll(data, []byte("\t"), []byte(" ")), nil
}

func yamlProblem(name string, err error) Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, tail, ok := strings.Cut(rest, ": "); ok {
			if l, err := strconv.Atoi(n); err == nil {
				line, msg = l, tail
			}
		}
	}
	return Problem{File: name, Line: line, Msg: "invalid YAML: " + msg}
}

// sortProblems orders p by line, keeping the order of problems found on
// the same line, and returns it.
func sortProblems(p []Problem) []Problem {
	slices.SortStableFunc(p, func(a, b Problem) int { return cmp.Compare(a.Line, b.Line) })
	return p
}

// decoder walks a YAML node tree by hand, so that it can report unknown
// fields, wrong types and duplicate keys with their lines, all at once.
type decoder struct {
	file  string
	probs []Problem
}

// badField reports a field of def that failed to decode, and remembers it
// so that validation does not also call it missing.
func (d *decoder) badField(def *locatedDef, line int, field, format string, args ...any) {
	if def.bad == nil {
		def.bad = make(map[string]bool)
	}
	def.bad[field] = true
	d.fail(line, def.Code, format, args...)
}

func (d *decoder) fail(line int, code Code, format string, args ...any) {
	d.probs = append(d.probs, Problem{File: d.file, Line: line, Code: code,
		Msg: fmt.Sprintf(format, args...)})
}

func (d *decoder) document(doc *yaml.Node) []locatedDef {
	if doc.Kind == 0 || len(doc.Content) == 0 {
		d.fail(0, "", "document is empty: want a mapping with a codes list")
		return nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		d.fail(root.Line, "", "top level must be a mapping with a codes list")
		return nil
	}
	var codes *yaml.Node
	d.mapping(root, "", func(key, val *yaml.Node) {
		if key.Value != "codes" {
			d.fail(key.Line, "", "unknown field %q at top level (want codes)", key.Value)
			return
		}
		codes = val
	})
	if codes == nil {
		d.fail(root.Line, "", "codes list is missing")
		return nil
	}
	if codes.Kind != yaml.SequenceNode {
		d.fail(codes.Line, "", "codes must be a list")
		return nil
	}
	defs := make([]locatedDef, 0, len(codes.Content))
	for _, n := range codes.Content {
		if def, ok := d.entry(n); ok {
			defs = append(defs, def)
		}
	}
	return defs
}

// mapping calls fn for each key of a mapping node, rejecting duplicate and
// non-scalar keys and aliases.
func (d *decoder) mapping(n *yaml.Node, code Code, fn func(key, val *yaml.Node)) {
	seen := make(map[string]int, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		if key.Kind != yaml.ScalarNode {
			d.fail(key.Line, code, "keys must be plain field names")
			continue
		}
		if val.Kind == yaml.AliasNode {
			d.fail(val.Line, code, "field %q: YAML aliases are not allowed", key.Value)
			continue
		}
		if first, dup := seen[key.Value]; dup {
			d.fail(key.Line, code, "field %q is repeated (first at line %d)", key.Value, first)
			continue
		}
		seen[key.Value] = key.Line
		fn(key, val)
	}
}

// entry decodes one code definition.
func (d *decoder) entry(n *yaml.Node) (locatedDef, bool) {
	if n.Kind != yaml.MappingNode {
		d.fail(n.Line, "", "each entry of codes must be a mapping")
		return locatedDef{}, false
	}
	def := locatedDef{line: n.Line, lines: make(map[string]int)}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k, v := n.Content[i], n.Content[i+1]; k.Value == "code" && v.Kind == yaml.ScalarNode {
			def.Code = Code(v.Value)
			break
		}
	}
	d.mapping(n, def.Code, func(key, val *yaml.Node) {
		def.lines[key.Value] = key.Line
		d.field(&def, key, val)
	})
	return def, true
}

func (d *decoder) field(def *locatedDef, key, val *yaml.Node) {
	switch key.Value {
	case "code":
		d.str(def, key, val, (*string)(&def.Code))
	case "title":
		d.str(def, key, val, &def.Title)
	case "owner":
		d.str(def, key, val, &def.Owner)
	case "runbook":
		d.str(def, key, val, &def.Runbook)
	case "response":
		d.str(def, key, val, &def.Response)
	case "replaced_by":
		d.str(def, key, val, (*string)(&def.ReplacedBy))
	case "retryable":
		d.boolean(def, key, val, &def.Retryable)
	case "deprecated":
		d.boolean(def, key, val, &def.Deprecated)
	case "severity":
		var s string
		if d.str(def, key, val, &s) {
			sev, err := ParseSeverity(s)
			if err != nil {
				d.badField(def, val.Line, "severity",
					"severity %q: want low, medium, high or critical", s)
				return
			}
			def.Severity = sev
		}
	default:
		d.fail(key.Line, def.Code, "unknown field %q", key.Value)
	}
}

func (d *decoder) str(def *locatedDef, key, val *yaml.Node, dst *string) bool {
	if val.Kind != yaml.ScalarNode || val.Tag == "!!null" {
		d.badField(def, val.Line, key.Value, "field %q must be a string", key.Value)
		return false
	}
	*dst = val.Value
	return true
}

func (d *decoder) boolean(def *locatedDef, key, val *yaml.Node, dst *bool) {
	if val.Kind != yaml.ScalarNode || val.ShortTag() != "!!bool" {
		d.fail(val.Line, def.Code, "field %q must be true or false, not %q", key.Value, val.Value)
		return
	}
	if err := val.Decode(dst); err != nil {
		d.fail(val.Line, def.Code, "field %q must be true or false, not %q", key.Value, val.Value)
	}
}
