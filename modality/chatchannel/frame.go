package chatchannel

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Client frame types.
const (
	frameHello   = "hello"
	frameMessage = "message"
	frameTyping  = "typing"
	frameRead    = "read"
	frameChoose  = "choose"
	frameLeave   = "leave"
)

// Limits of client frame fields, in bytes.
const (
	maxClientMsgID = 128
	maxToken       = 4096
)

// MaxBody is the longest message body, in bytes, an attendee or an agent
// may write: about a page of text, and what a message between replicas
// can carry.
const MaxBody = 4096

// clientFrame is every client frame, decoded: the fields of the type's
// shape are set, the others zero.
type clientFrame struct {
	Type         string `json:"type"`
	Token        string `json:"token,omitempty"`
	Conversation string `json:"conversation,omitempty"`
	LastSeq      int64  `json:"last_seq,omitempty"`
	ClientMsgID  string `json:"client_msg_id,omitempty"`
	Body         string `json:"body,omitempty"`
	UpToSeq      int64  `json:"up_to_seq,omitempty"`
	Key          string `json:"key,omitempty"`
}

// errFrame is wrapped by decodeFrame's errors; errUnknownType by those
// for a well-formed frame of a type the protocol does not have.
var (
	errFrame       = errors.New("malformed frame")
	errUnknownType = errors.New("unknown frame type")
)

// decodeFrame decodes one client text frame: a JSON object with a "type"
// the protocol knows and the fields of that type well typed. Unknown
// fields are ignored (clients newer than the server may send more).
func decodeFrame(data []byte) (clientFrame, error) {
	var f clientFrame
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return clientFrame{}, fmt.Errorf("%w: not a JSON object", errFrame)
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return clientFrame{}, fmt.Errorf("%w: %v", errFrame, err)
	}
	// A NUL is no text (and PostgreSQL cannot store one): refuse it in
	// whatever the attendee sends, not later in a store.
	for _, v := range [...]string{f.Token, f.Conversation, f.ClientMsgID, f.Body, f.Key} {
		if strings.ContainsRune(v, 0) {
			return clientFrame{}, fmt.Errorf("%w: a field holds a NUL character", errFrame)
		}
	}
	switch f.Type {
	case "":
		return clientFrame{}, fmt.Errorf("%w: no type", errFrame)
	case frameHello:
		if len(f.Token) > maxToken {
			return clientFrame{}, fmt.Errorf("%w: token longer than %d bytes", errFrame, maxToken)
		}
		if f.LastSeq < 0 {
			return clientFrame{}, fmt.Errorf("%w: negative last_seq", errFrame)
		}
	case frameMessage:
		if f.Body == "" {
			return clientFrame{}, fmt.Errorf("%w: message without body", errFrame)
		}
		if len(f.Body) > MaxBody {
			return clientFrame{}, fmt.Errorf("%w: body longer than %d bytes", errFrame, MaxBody)
		}
		if len(f.ClientMsgID) > maxClientMsgID {
			return clientFrame{}, fmt.Errorf("%w: client_msg_id longer than %d bytes", errFrame, maxClientMsgID)
		}
	case frameRead:
		if f.UpToSeq < 0 {
			return clientFrame{}, fmt.Errorf("%w: negative up_to_seq", errFrame)
		}
	case frameChoose:
		if f.Key == "" {
			return clientFrame{}, fmt.Errorf("%w: choose without key", errFrame)
		}
	case frameTyping, frameLeave:
	default:
		return clientFrame{}, fmt.Errorf("%w %q", errUnknownType, truncate(f.Type, 32))
	}
	return f, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// Server frames, as the attendee's client receives them.
type (
	welcomeFrame struct {
		Type         string `json:"type"` // "welcome"
		Conversation string `json:"conversation"`
		Seq          int64  `json:"seq"` // the conversation's last seq
	}
	messageFrame struct {
		Type   string    `json:"type"` // "message"
		ID     string    `json:"id"`
		Seq    int64     `json:"seq"`
		Author string    `json:"author"`
		Body   string    `json:"body"`
		At     time.Time `json:"at"`
	}
	ackFrame struct {
		Type        string `json:"type"` // "ack"
		ClientMsgID string `json:"client_msg_id"`
		ID          string `json:"id"`
		Seq         int64  `json:"seq"`
	}
	typingFrame struct {
		Type   string `json:"type"` // "typing"
		Author string `json:"author"`
	}
	readFrame struct {
		Type    string `json:"type"` // "read"
		Author  string `json:"author"`
		UpToSeq int64  `json:"up_to_seq"`
	}
	queueFrame struct {
		Type          string `json:"type"` // "queue"
		Position      int    `json:"position"`
		ExpectedWaitS int64  `json:"expected_wait_s"`
	}
	menuOption struct {
		Key   string `json:"key"`
		Label string `json:"label"`
	}
	menuFrame struct {
		Type    string       `json:"type"` // "menu"
		Text    string       `json:"text"`
		Options []menuOption `json:"options"`
	}
	closedFrame struct {
		Type    string `json:"type"` // "closed"
		Reason  string `json:"reason"`
		Message string `json:"message,omitempty"`
	}
	errorFrame struct {
		Type    string `json:"type"` // "error"
		Code    string `json:"code"`
		Message string `json:"message"`
	}
)

// Reasons of a closed frame.
const (
	ReasonClosed       = "closed"       // the service is not open (never opened, removed, expired)
	ReasonStopped      = "stopped"      // the service takes no new conversations
	ReasonBusy         = "busy"         // no queue could take the conversation; try later
	ReasonUnauthorized = "unauthorized" // the token was refused, or there was none where one is needed
	ReasonNotFound     = "not_found"    // the conversation to resume is not live
	ReasonLeft         = "left"         // the attendee sent leave
	ReasonReplaced     = "replaced"     // the attendee resumed on another socket
	ReasonAbandoned    = "abandoned"    // the attendee did not come back within the grace
	ReasonError        = "error"        // the channel failed
	ReasonUnregistered = "unregistered" // the attendee's registration (their access) ended
)

func msgFrame(m Message) messageFrame {
	return messageFrame{Type: "message", ID: m.ID, Seq: m.Seq, Author: m.Author, Body: m.Body, At: m.At}
}

// encode marshals a server frame; server frames always marshal.
func encode(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("chatchannel: server frame %T does not marshal: %v", v, err))
	}
	return b
}
