package contactcenter

import "context"

// A journal writes what the lifecycle records: a service as changed and
// its plans' journal entries. It is where the Store's optional
// [Committer] is discovered, once, and where a plain Store is adapted to
// do without it.
type journal struct {
	store     Store
	committer Committer // nil for a plain Store
}

func newJournal(s Store) journal {
	c, _ := s.(Committer)
	return journal{store: s, committer: c}
}

// atomic reports whether commit stores a service and entries in one
// atomic write.
func (j journal) atomic() bool { return j.committer != nil }

// commit stores s (unless nil) and appends entries after it. It returns
// the service as stored, nil if s was nil or not stored, and the number
// of entries appended.
//
// With a [Committer] it is one atomic write: all or nothing. A plain
// Store takes an Update and one Append per entry, in that order, and a
// failure part way leaves what was written before it: the service ahead
// of its journal. Every step is idempotent, so the executor's replay of
// a journal that is behind repeats a step at worst.
func (j journal) commit(ctx context.Context, s *Service, entries []JournalEntry) (stored *Service, appended int, err error) {
	// A Commit is a transaction; a lone Update or Append is not worth one.
	if j.committer != nil && (s != nil && len(entries) > 0 || len(entries) > 1) {
		got, err := j.committer.Commit(ctx, s, entries...)
		if err != nil {
			return nil, 0, err
		}
		if s == nil {
			return nil, len(entries), nil
		}
		return &got, len(entries), nil
	}
	if s != nil {
		got, err := j.store.Update(ctx, *s)
		if err != nil {
			return nil, 0, err
		}
		stored = &got
	}
	for _, je := range entries {
		if err := j.store.Append(ctx, je); err != nil {
			return stored, appended, err
		}
		appended++
	}
	return stored, appended, nil
}
