package modality

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
)

// Receptionist is the virtual receptionist: a channel-independent menu
// flow. An attendee's input either gets an answer (and the menu again),
// a hand-off to a queue, or, outside the term, the closed message. It is
// plain data, safe to share between goroutines once built.
//
// A channel runs the flow: it calls [Receptionist.Start] when an
// engagement arrives on an entry point without a queue, then
// [Receptionist.Respond] with each input of the attendee (digits pressed,
// words said or typed), and renders each [Reply] in its own medium. The
// receptionist keeps no state between turns, so one value serves every
// engagement of a service at once.
type Receptionist struct {
	Greeting      string   // said or shown first, before the menu; must not be blank
	Options       []Option // the menu, in the order it is read out; at least one
	ClosedMessage string   // said or shown outside the term; must not be blank
	// Fallback is said to an attendee a queue hands back because no
	// agent could take them in time ([Decision.BackToReceptionist]),
	// before the menu again. Optional.
	Fallback string
	// Prompts names a recording for each thing the receptionist says, for
	// channels that speak (telephony): a [PromptRole] such as "greeting"
	// or "answer.2" maps to a file name ([fs.ValidPath], ending ".wav")
	// that the channel looks up in its prompt files. A phrase without a
	// prompt is spoken by the channel's text-to-speech, if it has one,
	// and skipped otherwise. Optional; text channels ignore it.
	Prompts map[string]string
}

// The prompt roles: what a [Phrase] is, and the keys of
// [Receptionist.Prompts]. Option-specific roles are made by
// [PromptOption] and [PromptAnswer].
const (
	PromptGreeting      = "greeting"       // Receptionist.Greeting
	PromptClosed        = "closed"         // Receptionist.ClosedMessage
	PromptFallback      = "fallback"       // Receptionist.Fallback
	PromptConnecting    = "connecting"     // the hand-off to a queue: "You are being connected, please hold."
	PromptNotUnderstood = "not-understood" // an input that chose nothing: "Sorry, I did not understand that."
)

// PromptOption is the role of an option's line of the menu ("1:
// Registration"), as a caller hears it ("For registration, press 1").
func PromptOption(key string) string { return "option." + normalise(key) }

// PromptAnswer is the role of an option's Answer.
func PromptAnswer(key string) string { return "answer." + normalise(key) }

// Phrase is one thing the receptionist says in a [Reply]: its role (a
// key of [Receptionist.Prompts]) and its text.
type Phrase struct {
	Role string
	Text string
}

// Option is one menu choice; exactly one of Queue and Answer is set.
type Option struct {
	Key    string // what the attendee types or says; unique (ignoring case) within the menu
	Label  string // read out in the menu; typing or saying it also chooses the option
	Queue  string // hand off to this queue
	Answer string // reply with this and stay in the menu
}

// Reply is the receptionist's response to one turn.
type Reply struct {
	Text  string   // everything said, one phrase a line
	Says  []Phrase // the same, phrase by phrase, for channels that speak
	Queue string   // non-empty: hand the engagement off to this queue
	End   bool     // the flow is over (closed, or handed off)
}

// reply builds a Reply of the non-blank phrases.
func reply(says ...Phrase) Reply {
	keep := says[:0]
	texts := make([]string, 0, len(says))
	for _, p := range says {
		if !isBlank(p.Text) {
			keep = append(keep, p)
			texts = append(texts, p.Text)
		}
	}
	return Reply{Text: strings.Join(texts, "\n"), Says: keep}
}

// Texts of the flow that do not come from the Receptionist itself.
const (
	connectingText    = "You are being connected, please hold."
	notUnderstoodText = "Sorry, I did not understand that."
)

// Validate reports every problem of r together (joined with
// [errors.Join]), each naming the field at fault, such as
// "options[2].key": Greeting and ClosedMessage must not be blank, Options
// must not be empty, every option needs a non-blank Key that no other
// option has (ignoring case and surrounding space), and exactly one of
// Queue and Answer. A nil r is invalid. Validate does not check that the
// queues exist; a [Channel] does that when it opens a [Setup].
func (r *Receptionist) Validate() error {
	if r == nil {
		return errors.New("modality: receptionist: nil")
	}
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("modality: receptionist: %s: "+format, append([]any{field}, args...)...))
	}
	if isBlank(r.Greeting) {
		bad("greeting", "empty")
	}
	if isBlank(r.ClosedMessage) {
		bad("closedMessage", "empty")
	}
	if len(r.Options) == 0 {
		bad("options", "empty: the menu needs at least one option")
	}
	seen := make(map[string]int, len(r.Options)) // normalised key -> first index
	for i, o := range r.Options {
		key := normalise(o.Key)
		switch first, dup := seen[key]; {
		case key == "":
			bad(fmt.Sprintf("options[%d].key", i), "empty")
		case dup:
			bad(fmt.Sprintf("options[%d].key", i), "%q duplicates options[%d].key", o.Key, first)
		default:
			seen[key] = i
		}
		switch q, a := !isBlank(o.Queue), !isBlank(o.Answer); {
		case q && a:
			bad(fmt.Sprintf("options[%d]", i), "both queue and answer set; set exactly one")
		case !q && !a:
			bad(fmt.Sprintf("options[%d]", i), "neither queue nor answer set; set exactly one")
		}
	}
	for _, role := range slices.Sorted(maps.Keys(r.Prompts)) {
		if problem := r.CheckPrompt(role, r.Prompts[role]); problem != "" {
			bad(fmt.Sprintf("prompts[%q]", role), "%s", problem)
		}
	}
	return errors.Join(errs...)
}

// CheckPrompt says what is wrong with a prompt of [Receptionist.Prompts]
// naming file for role, or "" if nothing: the role must be one of the
// Prompt constants or name an option of the menu ([PromptOption], or
// [PromptAnswer] of an option with an Answer), and the file must be an
// [fs.ValidPath] ending ".wav".
func (r *Receptionist) CheckPrompt(role, file string) string {
	switch role {
	case PromptGreeting, PromptClosed, PromptFallback, PromptConnecting, PromptNotUnderstood:
	default:
		kind, key, _ := strings.Cut(role, ".")
		i := slices.IndexFunc(r.Options, func(o Option) bool { return normalise(o.Key) == key && key != "" })
		switch {
		case kind != "option" && kind != "answer":
			return fmt.Sprintf("unknown role; want one of %s, %s, %s, %s, %s, option.<key> or answer.<key>",
				PromptGreeting, PromptClosed, PromptFallback, PromptConnecting, PromptNotUnderstood)
		case i < 0:
			return fmt.Sprintf("no option of the menu has key %q", key)
		case kind == "answer" && isBlank(r.Options[i].Answer):
			return fmt.Sprintf("option %q has no answer to say", key)
		}
	}
	switch {
	case !fs.ValidPath(file) || file == ".":
		return fmt.Sprintf("file %q is not a valid file name (slash-separated, relative, no . or .. elements)", file)
	case !strings.HasSuffix(strings.ToLower(file), ".wav"):
		return fmt.Sprintf("file %q is not a .wav file", file)
	}
	return ""
}

// Prompt is the file of the prompt for role, or "".
func (r *Receptionist) Prompt(role string) string { return r.Prompts[role] }

// Start is the first turn of an engagement. Outside the term (open is
// false) the reply is the closed message and ends the flow. Otherwise it
// is the greeting followed by the menu, one line per option with its key
// ("1: Session times"), and the flow goes on.
//
// Start and Respond expect r to be valid (see [Receptionist.Validate]);
// on an invalid (but non-nil) one they still return a reply and never
// panic.
func (r *Receptionist) Start(open bool) Reply {
	if !open {
		rep := reply(Phrase{PromptClosed, r.ClosedMessage})
		rep.End = true
		return rep
	}
	return reply(append([]Phrase{{PromptGreeting, r.Greeting}}, r.menu()...)...)
}

// Back is the turn of an attendee a queue handed back: the fallback,
// then the menu; the flow goes on.
func (r *Receptionist) Back() Reply {
	return reply(append([]Phrase{{PromptFallback, r.Fallback}}, r.menu()...)...)
}

// Respond answers one input of the attendee. The input, with surrounding
// space removed, chooses the option whose Key it equals, ignoring case;
// failing that, the first option whose Label it equals, ignoring case.
//
//   - An option with an Answer replies with the answer and the menu again;
//     the flow goes on.
//   - An option with a Queue replies that the attendee is being connected,
//     sets Reply.Queue to the option's queue and ends the flow.
//   - Any other input replies that it was not understood, with the menu
//     again; the flow goes on.
//
// The text depends only on r and input.
func (r *Receptionist) Respond(input string) Reply {
	o, ok := r.choose(input)
	switch {
	case !ok:
		return reply(append([]Phrase{{PromptNotUnderstood, notUnderstoodText}}, r.menu()...)...)
	case !isBlank(o.Queue):
		rep := reply(Phrase{PromptConnecting, connectingText})
		rep.Queue, rep.End = o.Queue, true
		return rep
	default:
		return reply(append([]Phrase{{PromptAnswer(o.Key), o.Answer}}, r.menu()...)...)
	}
}

// choose finds the option input selects: by key first, then by label.
func (r *Receptionist) choose(input string) (Option, bool) {
	in := normalise(input)
	if in == "" {
		return Option{}, false
	}
	for _, o := range r.Options {
		if normalise(o.Key) == in {
			return o, true
		}
	}
	for _, o := range r.Options {
		if normalise(o.Label) == in {
			return o, true
		}
	}
	return Option{}, false
}

// menu renders the options, one phrase each, as "key: label".
func (r *Receptionist) menu() []Phrase {
	says := make([]Phrase, 0, len(r.Options))
	for _, o := range r.Options {
		text := strings.TrimSpace(o.Key)
		if label := strings.TrimSpace(o.Label); label != "" {
			text += ": " + label
		}
		says = append(says, Phrase{PromptOption(o.Key), text})
	}
	return says
}

func isBlank(s string) bool { return strings.TrimSpace(s) == "" }

// normalise is how keys and labels are compared: without surrounding
// space, ignoring case.
func normalise(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
