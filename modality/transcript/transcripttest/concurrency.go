package transcripttest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/eventcc/eventcc/modality/transcript"
)

// testConcurrentConversations: a goroutine per conversation appends to
// its own, as the channel does, resending some messages, while the
// conversations of another service are deleted. Each conversation ends
// up with its messages once each, in the order appended, Seqs 1 to n.
func testConcurrentConversations(t *testing.T, s transcript.Store) {
	const convs, msgs = 8, 30
	ctx := context.Background()
	errs := make([][]error, convs)
	var wg sync.WaitGroup
	for g := range convs {
		wg.Go(func() {
			conv := fmt.Sprint("c-", g)
			for i := range msgs {
				m, err := s.Append(ctx, msg("expo", conv, fmt.Sprint("k-", i), i))
				if err == nil && m.Seq != int64(i+1) {
					err = fmt.Errorf("Append %d: Seq %d, want %d", i, m.Seq, i+1)
				}
				if err == nil && i%5 == 4 { // a resend
					var again transcript.Message
					again, err = s.Append(ctx, msg("expo", conv, fmt.Sprint("k-", i), i+100))
					if err == nil && (again.Seq != m.Seq || again.ID != m.ID) {
						err = fmt.Errorf("resend of Append %d: %s#%d, want %s#%d", i, again.ID, again.Seq, m.ID, m.Seq)
					}
				}
				if err != nil {
					errs[g] = append(errs[g], err)
				}
			}
		})
	}
	for g := range 4 {
		wg.Go(func() {
			_, _ = s.Append(ctx, msg("gone", fmt.Sprint("d-", g), "", 0))
			_, _ = s.DeleteService(ctx, "gone")
		})
	}
	wg.Wait()
	for g := range convs {
		conv := fmt.Sprint("c-", g)
		assert.Empty(t, errs[g], "%s: want every Append by its own goroutine stored with the next Seq, and every resend answered with the stored message", conv)
		all := mustSince(t, s, conv, 0)
		assert.Equal(t, upTo(msgs), seqs(all), "Since of %s after the concurrent Appends: want Seqs 1 to %d", conv, msgs)
		for i, m := range all {
			assert.Equal(t, fmt.Sprint("message ", i), m.Body, "Since of %s: want message %d in its place", conv, i)
		}
	}
	n, err := s.DeleteService(ctx, "gone")
	assert.NoError(t, err)
	assert.Zero(t, n, "DeleteService after the concurrent ones: want nothing left of the deleted service")
}

// testConcurrentOneConversation: several goroutines append to one
// conversation at once, each resending its own messages. A store safe
// for concurrent use keeps Append's contract: each message stored once,
// Seqs 1 to n without gaps, and each goroutine's messages in the order
// it appended them.
func testConcurrentOneConversation(t *testing.T, s transcript.Store) {
	const writers, msgs = 6, 20
	ctx := context.Background()
	errs := make([][]error, writers)
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			last := int64(0)
			for i := range msgs {
				m := msg("expo", "c-1", fmt.Sprintf("w%d-%d", g, i/2), i) // each message sent twice
				got, err := s.Append(ctx, m)
				switch {
				case err != nil:
					errs[g] = append(errs[g], err)
				case i%2 == 0 && got.Seq <= last:
					errs[g] = append(errs[g], fmt.Errorf("Append %d: Seq %d, not above that of this goroutine's previous message, %d", i, got.Seq, last))
				case i%2 == 1 && got.Seq != last:
					errs[g] = append(errs[g], fmt.Errorf("resend %d: Seq %d, want the stored %d", i, got.Seq, last))
				}
				last = got.Seq
			}
		})
	}
	wg.Wait()
	for g := range writers {
		assert.Empty(t, errs[g], "writer %d: want every Append stored above its previous one and every resend answered with the stored message", g)
	}
	all := mustSince(t, s, "c-1", 0)
	assert.Equal(t, upTo(writers*msgs/2), seqs(all), "Since after the concurrent Appends to one conversation: want each message once, Seqs without gaps")
	cids := make(map[string]bool)
	for _, m := range all {
		assert.False(t, cids[m.ClientMsgID], "Since: ClientMsgID %q stored twice", m.ClientMsgID)
		cids[m.ClientMsgID] = true
	}
}

// testConcurrentResends: the same message (one ClientMsgID) is appended
// by several goroutines at once, as when a reconnecting attendee's
// resend races the first send. Exactly one is stored and every Append
// returns it.
func testConcurrentResends(t *testing.T, s transcript.Store) {
	const senders, rounds = 6, 10
	ctx := context.Background()
	for r := range rounds {
		got := make([]transcript.Message, senders)
		errs := make([]error, senders)
		var wg sync.WaitGroup
		for g := range senders {
			wg.Go(func() { got[g], errs[g] = s.Append(ctx, msg("expo", "c-1", fmt.Sprint("k-", r), r)) })
		}
		wg.Wait()
		for g := range senders {
			if assert.NoError(t, errs[g], "round %d, sender %d: want the Append to succeed", r, g) {
				assert.Equal(t, int64(r+1), got[g].Seq, "round %d, sender %d: want the one stored message's Seq", r, g)
				assert.Equal(t, got[0].ID, got[g].ID, "round %d, sender %d: want the one stored message's ID", r, g)
			}
		}
	}
	assert.Equal(t, upTo(rounds), seqs(mustSince(t, s, "c-1", 0)), "Since after racing resends: want each message once")
}
