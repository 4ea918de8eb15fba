package webhook_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventcc/eventcc/contactcenter"
	"github.com/eventcc/eventcc/contactcenter/webhook"
	"github.com/eventcc/eventcc/modality"
	"github.com/eventcc/eventcc/template"
)

func TestDecode_Created(t *testing.T) {
	body := `{
	  "id": "dlv_0001",
	  "type": "event.created",
	  "event": {
	    "id": "gophercon-eu-2027",
	    "version": 1,
	    "updatedAt": "2027-02-01T10:00:00+01:00",
	    "type": "conference",
	    "template": "conference",
	    "term": {"start": "2027-03-01T09:00:00Z", "end": "2027-03-01T17:00:00Z", "timeZone": "Europe/Berlin"},
	    "features": {"modalities": ["telephony", "chat"], "receptionist": true, "queues": ["registration"]},
	    "expectedAttendance": 2500,
	    "overrides": {"maxAgents": 30, "grace": "2h", "postTerm": {"policy": "vacant", "for": "24h", "aging": "1080h"}}
	  }
	}`
	d, err := webhook.Decode([]byte(body))
	require.NoError(t, err)
	maxAgents, grace := 30, template.Duration(2*time.Hour)
	want := webhook.Delivery{ID: "dlv_0001", Type: webhook.EventCreated, Event: webhook.Event{
		ID: "gophercon-eu-2027", Version: 1, UpdatedAt: time.Date(2027, 2, 1, 9, 0, 0, 0, time.UTC),
		Type: "conference", Template: "conference",
		Term: &contactcenter.Term{Start: time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC), End: time.Date(2027, 3, 1, 17, 0, 0, 0, time.UTC), TimeZone: "Europe/Berlin"},
		Features: &contactcenter.Features{Modalities: []modality.Kind{modality.Telephony, modality.Chat}, Receptionist: true,
			Queues: []string{"registration"}},
		ExpectedAttendance: 2500,
		Overrides: &template.Overrides{MaxAgents: &maxAgents, Grace: &grace,
			PostTerm: &template.PostTerm{Policy: "vacant", For: template.Duration(24 * time.Hour), Aging: template.Duration(1080 * time.Hour)}},
	}}
	assert.True(t, want.Event.UpdatedAt.Equal(d.Event.UpdatedAt), "want the update time read with its offset")
	d.Event.UpdatedAt = want.Event.UpdatedAt
	assert.Equal(t, want, d)
}

func TestDecode_NullIsAbsent(t *testing.T) {
	d, err := webhook.Decode([]byte(`{"id":"d","type":"event.cancelled","event":{"id":"e","version":2,"features":null,"reason":null},"attendee":null}`))
	require.NoError(t, err)
	assert.Nil(t, d.Event.Features)
	assert.Nil(t, d.Attendee)
}

func TestDecode_ReportsEveryMissingField(t *testing.T) {
	_, err := webhook.Decode([]byte(`{"type":"event.created","event":{"features":{"modalities":["fax"]},"expectedAttendance":-1}}`))
	var de *webhook.DecodeError
	require.True(t, errors.As(err, &de), "want a *DecodeError; got %v", err)
	assert.ErrorIs(t, err, webhook.ErrMalformed)
	var fields []string
	for _, p := range de.Problems {
		fields = append(fields, p.Field)
		assert.NotEmpty(t, p.Message, "%s: want a message", p.Field)
	}
	assert.Equal(t, []string{"id", "event.id", "event.version", "event.type", "event.template", "event.expectedAttendance",
		"event.features.modalities[0]", "event.term"}, fields, "want every problem, in field order")
}

func TestDecode_Strictness(t *testing.T) {
	for _, c := range []struct{ name, body, field, msg string }{
		{"unknown top-level field", `{"id":"d","type":"event.cancelled","event":{"id":"e","version":1},"x":1}`, "x", "unknown field"},
		{"unknown nested field", `{"id":"d","type":"event.cancelled","event":{"id":"e","version":1,"overrides":{"maxagents":3}}}`, "event.overrides.maxagents", `did you mean "maxAgents"?`},
		{"repeated field", `{"id":"d","id":"e"}`, "id", "repeated field"},
		{"object for a string", `{"id":{}}`, "id", "want a string, got an object"},
		{"string for an object", `{"event":"e"}`, "event", "want an object, got a string"},
		{"number for an array", `{"event":{"features":{"modalities":3}}}`, "event.features.modalities", "want an array, got a number"},
		{"fraction for an integer", `{"event":{"version":1.5}}`, "event.version", "want an integer, got 1.5"},
		{"integer overflow", `{"event":{"version":99999999999999999999}}`, "event.version", "out of range"},
		{"boolean as a string", `{"event":{"features":{"receptionist":"yes"}}}`, "event.features.receptionist", "want true or false"},
		{"bad duration", `{"event":{"overrides":{"grace":"two hours"}}}`, "event.overrides.grace", "two hours"},
		{"bad time", `{"event":{"updatedAt":"yesterday"}}`, "event.updatedAt", `got "yesterday"`},
		{"bad element", `{"event":{"features":{"modalities":["chat",1]}}}`, "event.features.modalities[1]", "want a string"},
		{"not closed", `{"id":"d"`, "", "truncated"},
		{"two objects", `{} {}`, "", "trailing data"},
		{"null", `null`, "", "got null"},
		{"bad syntax", `{"id" "d"}`, "id", "invalid JSON at byte"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := webhook.Decode([]byte(c.body))
			var de *webhook.DecodeError
			require.True(t, errors.As(err, &de), "want a *DecodeError; got %v", err)
			require.Len(t, de.Problems, 1, "a structural problem stops decoding: want one problem")
			assert.Equal(t, c.field, de.Problems[0].Field, "want the field named")
			assert.Contains(t, de.Problems[0].Message, c.msg)
		})
	}
}

// TestDecode_RoundTrip checks that what encoding/json makes of a Delivery
// is what Decode reads, so Go senders can marshal the type.
func TestDecode_RoundTrip(t *testing.T) {
	d := webhook.Delivery{ID: "dlv_2", Type: webhook.AttendeeRegistered, Event: webhook.Event{ID: "expo"},
		Attendee: &webhook.Attendee{ID: "att-1", UpdatedAt: time.Date(2027, 2, 1, 9, 0, 0, 5, time.UTC)}}
	b, err := json.Marshal(d)
	require.NoError(t, err)
	got, err := webhook.Decode(b)
	require.NoError(t, err)
	assert.Equal(t, d, got)
}

func TestStamp_Compare(t *testing.T) {
	at := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		a, b webhook.Stamp
		want int
		err  error
	}{
		{webhook.Stamp{Version: 1}, webhook.Stamp{Version: 2}, -1, nil},
		{webhook.Stamp{Version: 3}, webhook.Stamp{Version: 2}, 1, nil},
		{webhook.Stamp{Version: 2, UpdatedAt: at}, webhook.Stamp{Version: 2, UpdatedAt: at.Add(time.Hour)}, 0, nil},
		{webhook.Stamp{Version: 2, UpdatedAt: at.Add(time.Hour)}, webhook.Stamp{Version: 3, UpdatedAt: at}, -1, nil},
		{webhook.Stamp{UpdatedAt: at}, webhook.Stamp{UpdatedAt: at.Add(time.Second)}, -1, nil},
		{webhook.Stamp{UpdatedAt: at}, webhook.Stamp{Version: 1, UpdatedAt: at}, 0, nil},
		{webhook.Stamp{Version: 1}, webhook.Stamp{UpdatedAt: at}, 0, webhook.ErrIncomparable},
	} {
		got, err := c.a.Compare(c.b)
		if c.err != nil {
			assert.ErrorIs(t, err, c.err, "%+v vs %+v", c.a, c.b)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, c.want, got, "%+v vs %+v", c.a, c.b)
	}
}
