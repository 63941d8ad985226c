package pool

// RetiredEnded returns a channel closed once the pool retired by the last
// recycle has been closed, so that a test can wait for its grace timer to
// take effect. It returns nil when no pool is retired.
func (s *SQL) RetiredEnded() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.retired == nil {
		return nil
	}
	return s.retired.ended
}
