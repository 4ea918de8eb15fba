package contactcenter

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/modality/memchannel"
	"github.com/eventcc/eventcc/numbermap"
	"github.com/eventcc/eventcc/template"
)

// Every channel's setup says, from the template, which kinds anonymous
// visitors may use and which queues only registered attendees reach:
// the concert's chat is open to the public, its VIP queue is not.
func TestChannelSetupsSayWhoMayUseWhat(t *testing.T) {
	tp, err := template.Builtin().Lookup("concert")
	require.NoError(t, err)
	start := time.Date(2030, time.June, 1, 18, 0, 0, 0, time.UTC)
	cfg, err := tp.Resolve(template.Input{EventID: "gig", EventType: "concert", Start: start, End: start.Add(6 * time.Hour),
		Modalities: []modality.Kind{modality.Telephony, modality.Chat}, Receptionist: true})
	require.NoError(t, err)

	phone, err := memchannel.New(modality.Telephony)
	require.NoError(t, err)
	chat, err := memchannel.New(modality.Chat)
	require.NoError(t, err)
	p := ports{cfg: &Config{BaseURL: "https://cc.example"},
		channels: map[modality.Kind]modality.Channel{modality.Telephony: phone, modality.Chat: chat}}
	s := &Service{ID: "gig", Config: cfg, Numbers: []numbermap.Number{"+12025550100"}}
	s.EntryPoints = p.entryPoints(s)

	setups := p.channelSetups(s, nil)
	require.Len(t, setups, 2, "one setup per channel")
	for ch, su := range setups {
		assert.Equal(t, []modality.Kind{modality.Chat}, su.Anonymous, "want chat, and only chat, open to anonymous visitors on %v", ch.Kinds())
		assert.Equal(t, []string{"vip"}, su.RegisteredOnly, "want the VIP queue for registered attendees only on %v", ch.Kinds())
		require.NoError(t, ch.Open(t.Context(), s.ID, su), "the channel accepts the setup")
	}
}

// A messaging channel's setup carries the template's idle timeout of
// its kinds.
func TestChannelSetupsCarryIdleTimeouts(t *testing.T) {
	tp, err := template.Builtin().Lookup("concert")
	require.NoError(t, err)
	start := time.Date(2030, time.June, 1, 18, 0, 0, 0, time.UTC)
	cfg, err := tp.Resolve(template.Input{EventID: "gig", EventType: "concert", Start: start, End: start.Add(6 * time.Hour),
		Modalities: []modality.Kind{modality.Chat, modality.SMS}, Receptionist: true})
	require.NoError(t, err)
	for i := range cfg.Modalities {
		if cfg.Modalities[i].Kind == modality.SMS {
			cfg.Modalities[i].IdleTimeout = template.Duration(2 * time.Hour)
		}
	}
	chat, err := memchannel.New(modality.Chat)
	require.NoError(t, err)
	texts, err := memchannel.New(modality.SMS)
	require.NoError(t, err)
	p := ports{cfg: &Config{BaseURL: "https://cc.example"},
		channels: map[modality.Kind]modality.Channel{modality.Chat: chat, modality.SMS: texts}}
	s := &Service{ID: "gig", Config: cfg, Numbers: []numbermap.Number{"+12025550100"}}
	s.EntryPoints = p.entryPoints(s)
	setups := p.channelSetups(s, nil)
	assert.Equal(t, 2*time.Hour, setups[texts].IdleTimeout)
	assert.Zero(t, setups[chat].IdleTimeout, "chat does not go idle")
}
