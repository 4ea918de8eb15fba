package sipchannel

import (
	"bytes"
	"context"
	"io/fs"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/eventcc/eventcc/modality/voice"
)

// maxAnnouncing bounds the calls to retired numbers that hear their
// announcement at once; beyond it, a call gets the announcement as the
// reason phrase of its refusal only, as without media.
const maxAnnouncing = 256

// announce plays the announcement of a retired number (o, a refusal
// whose announcement is set) to the caller of req as early media: 183
// Session Progress with an SDP answer, the announcement over RTP, then
// the refusal itself (Config.AnnounceStatus with the announcement as its
// reason phrase), as a carrier plays an intercept message. The
// announcement is a prompt file when it names one (a .wav file in
// Config.Prompts or the built-in set), else its text spoken by
// Config.Speaker. It reports false, having sent nothing, when it cannot:
// no media (Config.NoMedia, no offer, no common codec), no audio for the
// announcement, or too many announcements playing; the caller then
// refuses the call as before.
func (c *Channel) announce(req *sip.Request, tx sip.ServerTransaction, o outcome, contact *sip.ContactHeader) bool {
	if c.cfg.NoMedia || len(bytes.TrimSpace(req.Body())) == 0 {
		return false
	}
	sdps := c.sdpSessionFor(contact)
	if _, err := answerSDP(req.Body(), sdps, nil); err != nil {
		return false
	}
	if c.announcing.Add(1) > maxAnnouncing {
		c.announcing.Add(-1)
		return false
	}
	defer c.announcing.Add(-1)
	audio := c.announcementAudio(o.announcement)
	if audio == nil {
		return false
	}
	sdps.addr = c.mediaAddr(sdps.addr)
	m, err := newMedia(req.Body(), sdps.addr, c.rtpPorts)
	if err != nil {
		return false
	}
	defer m.close()
	body, _ := answerSDP(req.Body(), sdps, m.answer())
	tag := sip.GenerateTagN(16)
	progress := sip.NewResponseFromRequest(req, sip.StatusSessionInProgress, "Session Progress", body)
	progress.To().Params.Add("tag", tag)
	progress.AppendHeader(contact)
	progress.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	if err := tx.Respond(progress); err != nil {
		c.log.V(2).Info("announcement not sent", "err", err.Error())
		return false
	}
	m.say([]*voice.Audio{audio})
	m.start(&c.media, func(string) {}) // keys change nothing here
	t := time.NewTimer(audio.Duration() + frameTime)
	select {
	case <-t.C:
	case <-tx.Done(): // the caller gave up (CANCEL: sipgo answered 487)
	case <-c.base.Done():
	}
	t.Stop()
	m.close()
	o.toTag = tag
	c.reply(req, tx, o)
	return true
}

// announcementAudio is the audio of a retired number's announcement: the
// prompt file it names, or its text spoken; nil if neither is possible.
func (c *Channel) announcementAudio(announcement string) *voice.Audio {
	if name := strings.TrimSpace(announcement); strings.HasSuffix(strings.ToLower(name), ".wav") && fs.ValidPath(name) {
		a, err := c.prompt(name)
		if err == nil {
			return a
		}
		c.log.Error(err, "announcement not played")
		return nil
	}
	if c.cfg.Speaker == nil || strings.TrimSpace(announcement) == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(c.base, speakWait)
	defer cancel()
	a, err := c.cfg.Speaker.Speak(ctx, announcement)
	if err != nil || a == nil {
		c.log.Error(err, "announcement not spoken")
		return nil
	}
	return a
}
