package modality_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality"
)

// desk is a valid receptionist used by the tests.
func desk() *modality.Receptionist {
	return &modality.Receptionist{
		Greeting:      "Welcome to Expo 2030.",
		ClosedMessage: "Expo 2030 is over. Thank you for coming.",
		Options: []modality.Option{
			{Key: "1", Label: "Opening hours", Answer: "Doors open at nine every day."},
			{Key: "2", Label: "Lost and found", Queue: "lost-found"},
			{Key: "A", Label: "Accessibility", Answer: "Every hall has step-free access."},
			{Key: "0", Label: "Speak to someone", Queue: "general"},
		},
	}
}

const deskMenu = "1: Opening hours\n2: Lost and found\nA: Accessibility\n0: Speak to someone"

func TestValidate(t *testing.T) {
	require.NoError(t, desk().Validate(), "the desk receptionist is valid")

	for _, tc := range []struct {
		name   string
		change func(r *modality.Receptionist)
		want   []string // each must appear in the error
	}{
		{"blank greeting", func(r *modality.Receptionist) { r.Greeting = " \t" }, []string{"greeting: empty"}},
		{"no closed message", func(r *modality.Receptionist) { r.ClosedMessage = "" }, []string{"closedMessage: empty"}},
		{"no options", func(r *modality.Receptionist) { r.Options = nil }, []string{"options: empty"}},
		{"empty key", func(r *modality.Receptionist) { r.Options[2].Key = "" }, []string{"options[2].key: empty"}},
		{"blank key", func(r *modality.Receptionist) { r.Options[1].Key = "  " }, []string{"options[1].key: empty"}},
		{"duplicate key", func(r *modality.Receptionist) { r.Options[3].Key = "1" }, []string{`options[3].key: "1" duplicates options[0].key`}},
		{"duplicate key ignoring case and space", func(r *modality.Receptionist) { r.Options[3].Key = " a" }, []string{`options[3].key: " a" duplicates options[2].key`}},
		{"queue and answer", func(r *modality.Receptionist) { r.Options[1].Answer = "Ask at the desk." }, []string{"options[1]: both queue and answer"}},
		{"neither queue nor answer", func(r *modality.Receptionist) { r.Options[0].Answer = "" }, []string{"options[0]: neither queue nor answer"}},
		{"every problem at once", func(r *modality.Receptionist) {
			r.Greeting = ""
			r.Options[0].Key = ""
			r.Options[3].Queue = ""
		}, []string{"greeting: empty", "options[0].key: empty", "options[3]: neither"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := desk()
			tc.change(r)
			err := r.Validate()
			require.Error(t, err, "Validate must refuse it")
			for _, want := range tc.want {
				assert.Contains(t, err.Error(), want, "the error must name the field and the problem")
			}
		})
	}

	t.Run("nil", func(t *testing.T) {
		var r *modality.Receptionist
		assert.Error(t, r.Validate(), "a nil receptionist is invalid")
	})
}

// text is a reply without its phrases, to compare what it says as text.
func text(r modality.Reply) modality.Reply {
	r.Says = nil
	return r
}

func TestStart(t *testing.T) {
	assert.Equal(t, modality.Reply{Text: "Welcome to Expo 2030.\n" + deskMenu}, text(desk().Start(true)),
		"open: the greeting and the menu, flow goes on")
	assert.Equal(t, modality.Reply{Text: "Expo 2030 is over. Thank you for coming.", End: true}, text(desk().Start(false)),
		"closed: the closed message, flow over")
}

// A reply says the same phrase by phrase, each with the role a channel
// that speaks looks its prompt up by.
func TestSays(t *testing.T) {
	menu := []modality.Phrase{
		{Role: "option.1", Text: "1: Opening hours"}, {Role: "option.2", Text: "2: Lost and found"},
		{Role: "option.a", Text: "A: Accessibility"}, {Role: "option.0", Text: "0: Speak to someone"},
	}
	r := desk()
	assert.Equal(t, append([]modality.Phrase{{Role: modality.PromptGreeting, Text: "Welcome to Expo 2030."}}, menu...), r.Start(true).Says)
	assert.Equal(t, []modality.Phrase{{Role: modality.PromptClosed, Text: r.ClosedMessage}}, r.Start(false).Says)
	assert.Equal(t, append([]modality.Phrase{{Role: "answer.a", Text: "Every hall has step-free access."}}, menu...), r.Respond("a").Says)
	assert.Equal(t, []modality.Phrase{{Role: modality.PromptConnecting, Text: "You are being connected, please hold."}}, r.Respond("2").Says)
	assert.Equal(t, modality.PromptNotUnderstood, r.Respond("x").Says[0].Role)
	r.Fallback = "Nobody is free; try the app."
	assert.Equal(t, append([]modality.Phrase{{Role: modality.PromptFallback, Text: r.Fallback}}, menu...), r.Back().Says)
	r.Fallback = ""
	assert.Equal(t, menu, r.Back().Says, "a blank phrase is not said")
	for _, rep := range []modality.Reply{r.Start(true), r.Respond("1"), r.Respond("x")} {
		var texts []string
		for _, p := range rep.Says {
			texts = append(texts, p.Text)
		}
		assert.Equal(t, rep.Text, strings.Join(texts, "\n"), "the text is the phrases, a line each")
	}
}

func TestValidatePrompts(t *testing.T) {
	r := desk()
	r.Prompts = map[string]string{
		"greeting": "expo/greeting.wav", "closed": "expo/closed.WAV", "connecting": "common/connecting.wav",
		"not-understood": "common/sorry.wav", "fallback": "expo/fallback.wav",
		"option.1": "expo/option-1.wav", "option.a": "expo/option-a.wav", "answer.1": "expo/answer-1.wav",
	}
	require.NoError(t, r.Validate())
	assert.Equal(t, "expo/option-a.wav", r.Prompt(modality.PromptOption(" A ")), "roles name keys as they are matched")

	r.Prompts = map[string]string{
		"welcome":  "a.wav",
		"option.9": "b.wav",
		"answer.2": "c.wav",
		"greeting": "../greeting.wav",
		"closed":   "closed.mp3",
		"option.1": "/abs/one.wav",
	}
	err := r.Validate()
	require.Error(t, err)
	for _, want := range []string{
		`prompts["welcome"]: unknown role`,
		`prompts["option.9"]: no option of the menu has key "9"`,
		`prompts["answer.2"]: option "2" has no answer to say`,
		`prompts["greeting"]: file "../greeting.wav" is not a valid file name`,
		`prompts["closed"]: file "closed.mp3" is not a .wav file`,
		`prompts["option.1"]: file "/abs/one.wav" is not a valid file name`,
	} {
		assert.Contains(t, err.Error(), want)
	}
}

func TestRespond(t *testing.T) {
	const notUnderstood = "Sorry, I did not understand that.\n" + deskMenu
	const connecting = "You are being connected, please hold."
	for _, tc := range []struct {
		input string
		want  modality.Reply
	}{
		{"1", modality.Reply{Text: "Doors open at nine every day.\n" + deskMenu}},
		{"  1\n", modality.Reply{Text: "Doors open at nine every day.\n" + deskMenu}},
		{"a", modality.Reply{Text: "Every hall has step-free access.\n" + deskMenu}},
		{"A", modality.Reply{Text: "Every hall has step-free access.\n" + deskMenu}},
		{"opening HOURS", modality.Reply{Text: "Doors open at nine every day.\n" + deskMenu}},
		{"2", modality.Reply{Text: connecting, Queue: "lost-found", End: true}},
		{"0", modality.Reply{Text: connecting, Queue: "general", End: true}},
		{" speak to someone ", modality.Reply{Text: connecting, Queue: "general", End: true}},
		{"", modality.Reply{Text: notUnderstood}},
		{"   ", modality.Reply{Text: notUnderstood}},
		{"3", modality.Reply{Text: notUnderstood}},
		{"12", modality.Reply{Text: notUnderstood}},
		{"1: Opening hours", modality.Reply{Text: notUnderstood}},
		{"opening", modality.Reply{Text: notUnderstood}},
	} {
		t.Run(tc.input, func(t *testing.T) {
			assert.Equal(t, tc.want, text(desk().Respond(tc.input)), "Respond(%q)", tc.input)
		})
	}

	t.Run("key before label", func(t *testing.T) {
		r := &modality.Receptionist{
			Greeting: "Hi.", ClosedMessage: "Closed.",
			Options: []modality.Option{
				{Key: "help", Label: "Agent", Queue: "general"},
				{Key: "agent", Label: "Help", Answer: "Type help for a person."},
			},
		}
		require.NoError(t, r.Validate())
		assert.Equal(t, "general", r.Respond("HELP").Queue, "an input equal to one option's key and another's label chooses by key")
		assert.Equal(t, "Type help for a person.\nhelp: Agent\nagent: Help", r.Respond("Agent").Text, "and likewise the other way round")
	})

	t.Run("menu without labels", func(t *testing.T) {
		r := &modality.Receptionist{
			Greeting: "Hi.", ClosedMessage: "Closed.",
			Options: []modality.Option{{Key: "1", Answer: "Yes."}, {Key: " 2 ", Label: " Someone ", Queue: "q"}},
		}
		assert.Equal(t, "Hi.\n1\n2: Someone", r.Start(true).Text, "an option without a label shows its key alone")
		assert.Equal(t, "q", r.Respond("2").Queue, "keys match without their surrounding space")
	})

	t.Run("deterministic", func(t *testing.T) {
		for _, in := range []string{"1", "2", "x"} {
			assert.Equal(t, desk().Respond(in), desk().Respond(in), "Respond(%q) twice", in)
		}
		assert.False(t, strings.Contains(desk().Respond("<script>").Text, "<script>"), "the input is not echoed back")
	})
}
