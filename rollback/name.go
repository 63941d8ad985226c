package rollback

import "fmt"

// MaxNameLen is the longest name Kubernetes accepts for a DNS-1123 label.
const MaxNameLen = 63

// NameError reports a name that is not a valid Kubernetes DNS-1123 label.
// It is returned before any command runs.
type NameError struct {
	Field  string // what the name is for: "deployment", "namespace"
	Name   string // the rejected name
	Reason string // what is wrong with it
}

// Error returns a message naming the field, the value and the problem.
func (e *NameError) Error() string {
	return fmt.Sprintf("rollback: %s %q is not a valid Kubernetes name: %s",
		e.Field, e.Name, e.Reason)
}

// ValidateName reports whether name is a DNS-1123 label: 1 to 63
// lower-case letters, digits and '-', starting and ending with a letter or
// digit. Deployment and namespace names must be labels. The error is a
// [*NameError] that says what is wrong.
func ValidateName(name string) error {
	return validate("name", name)
}

func validate(field, name string) error {
	if reason := labelProblem(name); reason != "" {
		return &NameError{Field: field, Name: name, Reason: reason}
	}
	return nil
}

// labelProblem returns why name is not a DNS-1123 label, or "".
func labelProblem(name string) string {
	switch {
	case name == "":
		return "empty"
	case len(name) > MaxNameLen:
		return fmt.Sprintf("%d characters, more than %d", len(name), MaxNameLen)
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !isLabelByte(c) {
			return fmt.Sprintf("%q at index %d is not a lower-case letter, digit or '-'", c, i)
		}
	}
	if name[0] == '-' || name[len(name)-1] == '-' {
		return "must start and end with a lower-case letter or digit"
	}
	return ""
}

func isLabelByte(c byte) bool {
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-'
}
