package heal

import "math/bits"

// codeTable finds a code's state from its text. It replaces a Go map on
// Report's path: a map lookup hashes the whole string and was half the
// cost of a report. Well-formed codes are at least 9 bytes long and differ
// in their first or last eight bytes (domain, category, number), so the
// table hashes only those two words and probes linearly. It is built once
// and read-only afterwards, so it is safe for concurrent use.
type codeTable struct {
	slots []tableSlot // a power of two, at most half full
	shift uint
}

type tableSlot struct {
	code string
	cs   *codeState
}

// minCodeLen is the length of the shortest well-formed code, "AB-CD-001".
const minCodeLen = 2*minPartLen + 2 + numberLen

func newCodeTable(m map[Code]*codeState) codeTable {
	n := 1 << bits.Len(uint(2*len(m)))
	t := codeTable{slots: make([]tableSlot, n), shift: uint(64 - bits.TrailingZeros(uint(n)))}
	for c, cs := range m {
		i := t.index(string(c))
		for t.slots[i].cs != nil {
			i = (i + 1) & (len(t.slots) - 1)
		}
		t.slots[i] = tableSlot{code: string(c), cs: cs}
	}
	return t
}

// get returns the state of code, or nil.
func (t *codeTable) get(code string) *codeState {
	if len(code) < minCodeLen {
		return nil
	}
	for i := t.index(code); ; i = (i + 1) & (len(t.slots) - 1) {
		s := &t.slots[i]
		if s.cs == nil || s.code == code {
			return s.cs
		}
	}
}

// index hashes the first and last eight bytes of s, which has at least
// eight.
func (t *codeTable) index(s string) int {
	h := le64(s[:8])*0x9e3779b97f4a7c15 ^ le64(s[len(s)-8:])*0xc2b2ae3d27d4eb4f ^ uint64(len(s))
	h *= 0xff51afd7ed558ccd
	return int(h >> t.shift)
}

func le64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}
