package heal

import "fmt"

// Severity ranks how much a failure matters. The zero value is
// [SeverityUnknown], which no taxonomy definition may carry.
type Severity uint8

// The severities, from least to most urgent.
const (
	SeverityUnknown Severity = iota
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

var severityNames = [...]string{"unknown", "low", "medium", "high", "critical"}

// String returns the lower-case name of the severity.
func (s Severity) String() string {
	if int(s) < len(severityNames) {
		return severityNames[s]
	}
	return fmt.Sprintf("severity(%d)", uint8(s))
}

// ParseSeverity parses "low", "medium", "high" or "critical".
func ParseSeverity(s string) (Severity, error) {
	for i, name := range severityNames[1:] {
		if s == name {
			return Severity(i + 1), nil
		}
	}
	return SeverityUnknown, fmt.Errorf("heal: severity %q: want low, medium, high or critical", s)
}

// MarshalText encodes the severity as its name.
func (s Severity) MarshalText() ([]byte, error) {
	if s == SeverityUnknown || int(s) >= len(severityNames) {
		return nil, fmt.Errorf("heal: cannot encode %v", s)
	}
	return []byte(s.String()), nil
}

// UnmarshalText decodes a severity name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}
