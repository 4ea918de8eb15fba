package chatchannel

import "github.com/eventcc/eventcc/modality/transcript"

// The channel keeps its conversations in a transcript.Store; these are
// the names it had before transcripts moved to their own package (which
// store adapters import without compiling the channel).
type (
	// Message is one message of a conversation's transcript.
	Message = transcript.Message
	// Transcripts keeps the messages of conversations.
	Transcripts = transcript.Store
	// MemTranscripts is the in-memory [Transcripts].
	MemTranscripts = transcript.Mem
)

// Authors of a [Message] other than agents ("agent:<id>").
const (
	AuthorAttendee     = transcript.AuthorAttendee
	AuthorReceptionist = transcript.AuthorReceptionist
	AuthorSystem       = transcript.AuthorSystem
)

// ErrTranscriptInput is wrapped by a [Transcripts] error for a message it
// cannot store as given.
var ErrTranscriptInput = transcript.ErrInvalid

// NewMemTranscripts returns an empty in-memory transcript store.
func NewMemTranscripts() *MemTranscripts { return transcript.NewMem() }
