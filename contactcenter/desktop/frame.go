package desktop

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/eventcc/eventcc/modality/routing"
)

// Client frame types.
const (
	frameHello    = "hello"
	frameStatus   = "status"
	frameAccept   = "accept"
	frameDecline  = "decline"
	frameEnd      = "end"
	frameTransfer = "transfer"
	frameHistory  = "history"
	frameMessage  = "message"
	frameTyping   = "typing"
	frameRead     = "read"
	frameSignOut  = "sign_out"
)

// Limits of client frame fields, in bytes.
const (
	maxToken = 4096
	maxID    = 256
	maxRef   = 128
	maxBody  = 4096
)

// clientFrame is every client frame, decoded: the fields of the type's
// shape are set, the others zero.
type clientFrame struct {
	Type        string         `json:"type"`
	Ref         string         `json:"ref,omitempty"`
	Token       string         `json:"token,omitempty"`
	Status      routing.Status `json:"status,omitempty"`
	Engagement  string         `json:"engagement,omitempty"`
	Queue       string         `json:"queue,omitempty"`
	Body        string         `json:"body,omitempty"`
	ClientMsgID string         `json:"client_msg_id,omitempty"`
	AfterSeq    int64          `json:"after_seq,omitempty"`
	UpToSeq     int64          `json:"up_to_seq,omitempty"`
}

var (
	errFrame       = errors.New("malformed frame")
	errUnknownType = errors.New("unknown frame type")
)

// decodeFrame decodes one client text frame: a JSON object with a type
// the protocol knows, and that type's fields present and in range.
// Unknown fields are ignored.
func decodeFrame(data []byte) (clientFrame, error) {
	var f clientFrame
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return clientFrame{}, fmt.Errorf("%w: not a JSON object", errFrame)
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return clientFrame{}, fmt.Errorf("%w: %v", errFrame, err)
	}
	for _, v := range [...]string{f.Ref, f.Token, string(f.Status), f.Engagement, f.Queue, f.Body, f.ClientMsgID} {
		if strings.ContainsRune(v, 0) {
			return clientFrame{}, fmt.Errorf("%w: a field holds a NUL character", errFrame)
		}
	}
	switch {
	case len(f.Ref) > maxRef:
		return clientFrame{}, fmt.Errorf("%w: ref longer than %d bytes", errFrame, maxRef)
	case len(f.Engagement) > maxID || len(f.Queue) > maxID || len(f.ClientMsgID) > maxID:
		return clientFrame{}, fmt.Errorf("%w: an id longer than %d bytes", errFrame, maxID)
	case f.AfterSeq < 0 || f.UpToSeq < 0:
		return clientFrame{}, fmt.Errorf("%w: a negative seq", errFrame)
	}
	need := func(ok bool, what string) error {
		if ok {
			return nil
		}
		return fmt.Errorf("%w: %s without %s", errFrame, f.Type, what)
	}
	switch f.Type {
	case "":
		return clientFrame{}, fmt.Errorf("%w: no type", errFrame)
	case frameHello:
		if len(f.Token) > maxToken {
			return clientFrame{}, fmt.Errorf("%w: token longer than %d bytes", errFrame, maxToken)
		}
		return f, need(f.Token != "", "token")
	case frameStatus:
		switch f.Status {
		case routing.Available, routing.Break, routing.Offline:
			return f, nil
		}
		return clientFrame{}, fmt.Errorf("%w: status %q is none of available, break, offline", errFrame, f.Status)
	case frameAccept, frameDecline, frameEnd, frameHistory, frameTyping, frameRead:
		return f, need(f.Engagement != "", "engagement")
	case frameTransfer:
		if err := need(f.Engagement != "", "engagement"); err != nil {
			return clientFrame{}, err
		}
		return f, need(f.Queue != "", "queue")
	case frameMessage:
		if err := need(f.Engagement != "", "engagement"); err != nil {
			return clientFrame{}, err
		}
		if len(f.Body) > maxBody {
			return clientFrame{}, fmt.Errorf("%w: body longer than %d bytes", errFrame, maxBody)
		}
		return f, need(strings.TrimSpace(f.Body) != "", "body")
	case frameSignOut:
		return f, nil
	}
	return clientFrame{}, fmt.Errorf("%w %q", errUnknownType, f.Type)
}

// serverFrame is every server frame; fields of other types are omitted.
type serverFrame struct {
	Type       string         `json:"type"`
	Ref        string         `json:"ref,omitempty"`
	Agent      string         `json:"agent,omitempty"`
	Service    string         `json:"service,omitempty"`
	Queues     []string       `json:"queues,omitempty"`
	Holding    *holdingFrame  `json:"holding,omitempty"`
	Engagement string         `json:"engagement,omitempty"`
	Queue      string         `json:"queue,omitempty"`
	WaitS      *int64         `json:"wait_s,omitempty"`
	Chat       *bool          `json:"chat,omitempty"`
	Messages   []messageFrame `json:"messages,omitempty"`
	ID         string         `json:"id,omitempty"`
	Seq        int64          `json:"seq,omitempty"`
	Author     string         `json:"author,omitempty"`
	Body       string         `json:"body,omitempty"`
	At         *time.Time     `json:"at,omitempty"`
	ClientMsg  string         `json:"client_msg_id,omitempty"`
	UpToSeq    int64          `json:"up_to_seq,omitempty"`
	Reason     string         `json:"reason,omitempty"`
	Op         string         `json:"op,omitempty"`
	Code       string         `json:"code,omitempty"`
	Message    string         `json:"message,omitempty"`
}

// holdingFrame is what the agent holds.
type holdingFrame struct {
	Presence  routing.Presence `json:"presence"`
	Connected []string         `json:"connected"`
	Offered   string           `json:"offered,omitempty"`
}

// messageFrame is one message of a conversation, as the desktop shows it.
type messageFrame struct {
	ID     string    `json:"id"`
	Seq    int64     `json:"seq"`
	Author string    `json:"author"`
	Body   string    `json:"body"`
	At     time.Time `json:"at"`
}
