// Package transcripttest is the conformance suite of
// [transcript.Store].
//
// A store of chat transcripts (so that an attendee who reconnects, to
// this replica or another, is sent what was said since) runs [Run] from
// its own tests:
//
//	func TestTranscripts_Conformance(t *testing.T) {
//		transcripttest.Run(t, transcripttest.Harness{
//			New: func(t testing.TB) transcript.Store { return newMyStore(t) },
//		})
//	}
//
// Run checks each sentence of the Transcripts contract in a named
// subtest: Append keeps every field it is given, assigns Seq 1, 2, ...
// without gaps within each conversation, and an ID when none is given
// (distinct within the conversation), keeping a given one; a message
// whose ClientMsgID the conversation already has is not stored again and
// Append returns the stored one, same ID and Seq, while an empty
// ClientMsgID is never a resend; a message without Conversation or
// ServiceID wraps [transcript.ErrInvalid] and stores nothing;
// Since returns the messages above afterSeq in Seq order, in a slice the
// caller owns, and none for an unknown conversation; DeleteService
// returns how many conversations (not messages) it deleted, forgets
// them, and leaves other services alone; a done context makes every
// method return ctx.Err() (possibly wrapped) and change nothing. Safe for
// concurrent use is checked under many goroutines (run it with -race):
// appends to many conversations at once, and to one conversation from
// several goroutines at once (which the channel never does, but a store
// safe for concurrent use must still keep each Append's contract: dense
// Seqs, each ClientMsgID stored once, a resend racing the first send
// answered with the same message).
//
// Instants in the suite are whole microseconds in UTC, which a SQL
// timestamp keeps exactly; they are compared with [time.Time.Equal], so
// a store may drop monotonic readings and change locations.
// [Benchmark] measures Append and Since.
package transcripttest
