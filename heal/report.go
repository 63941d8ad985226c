package heal

// Report counts err as one failure. The first [*Error] in err's chain
// gives the code and target; an error without one, or whose code the
// taxonomy does not define, counts under [CodeUnclassified] with the
// target it names. A deprecated code counts under its replacement. A nil
// err is ignored.
//
// Report never blocks. For a code in the taxonomy it allocates nothing
// unless it is the first report on a new target, fires a rule, or is the
// code's first report in a log interval (see Detection in the package
// documentation). A rule it makes fire is handed to the Healer's loop. It
// implements [Reporter].
func (h *Healer) Report(err error) {
	if err == nil {
		return
	}
	cs, name := h.det.unclass, ""
	if e := findError(err); e != nil {
		cs, name = h.det.lookupError(e), e.Target
	}
	t, cur := cs.target(name), h.det.now()
	s := pickStripe(t.stripes, cur) // the hot path written out; see failSlow
	if w := s.fail.Add(^uint64(0)); tagOf(w) != cur&tagMask {
		t.failSlow(cur, s, w, err)
	}
}

// findError returns the first *Error in err's chain. It walks the common
// wrappers itself because errors.As, at about 200ns, would cost more than
// the rest of Report; a chain with an As method falls back to errors.As.
// One type switch per link matters: its interface cases cost a single
// cached lookup, where separate type assertions would cost one each.
func findError(err error) *Error {
	for err != nil {
		switch x := err.(type) {
		case *Error:
			return x
		case interface{ As(any) bool }:
			e, _ := AsError(err)
			return e
		case interface{ Unwrap() error }:
			err = x.Unwrap()
		case interface{ Unwrap() []error }:
			for _, inner := range x.Unwrap() {
				if e := findError(inner); e != nil {
					return e
				}
			}
			return nil
		default:
			return nil
		}
	}
	return nil
}

// Success counts one successful operation for code and target, the
// denominator of [Ratio] rules. Like Report it never blocks; prefer
// [Handle.Success] on hot paths.
func (h *Healer) Success(code Code, target string) {
	h.det.lookup(code).target(target).succeed(h.det.now())
}

// Handle is a code and target resolved once, at start-up, for the hottest
// paths: [Handle.Report] is a few atomic operations with no lookup. The
// zero Handle ignores reports. Handles are small values, safe to copy and
// to use concurrently.
type Handle struct {
	t *target // nil in the zero Handle
}

// Code returns a handle for code with no target. A code the taxonomy does
// not define resolves to [CodeUnclassified]; a deprecated one to its
// replacement.
func (h *Healer) Code(code Code) Handle {
	return Handle{t: h.det.lookup(code).target("")}
}

// Target returns a handle for the same code and the named target.
func (hd Handle) Target(target string) Handle {
	if hd.t == nil {
		return hd
	}
	return Handle{t: hd.t.cs.target(target)}
}

// Code returns the code the handle counts under.
func (hd Handle) Code() Code {
	if hd.t == nil {
		return ""
	}
	return hd.t.cs.code
}

// Report counts one failure for the handle's code and target.
func (hd Handle) Report() {
	t := hd.t
	if t == nil {
		return
	}
	cur := t.cs.det.now()
	s := pickStripe(t.stripes, cur) // the hot path written out; see failSlow
	if w := s.fail.Add(^uint64(0)); tagOf(w) != cur&tagMask {
		t.failSlow(cur, s, w, nil)
	}
}

// Success counts one successful operation for the handle's code and
// target.
func (hd Handle) Success() {
	if hd.t != nil {
		hd.t.succeed(hd.t.cs.det.now())
	}
}

// ReportCode counts one failure through a pre-resolved handle; it is
// [Handle.Report].
func (h *Healer) ReportCode(hd Handle) { hd.Report() }

var _ Reporter = (*Healer)(nil)
