package sipchannel

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"

	"github.com/eventcc/eventcc/modality"
)

// Registrar says who may register a SIP phone to take a service's calls,
// and with what password: the lifecycle, which knows the agents' grants.
// A phone registers as sip:<agent>@<service> (the agent's principal ID,
// the service's ID), with HTTP digest authentication (RFC 3261 section
// 22, MD5, qop=auth) in the realm of the service's ID.
type Registrar interface {
	// PhonePassword returns the password of agentID's phone for serviceID
	// now: a secret derived from the grant that lets the agent take the
	// service's calls, so that a new grant gives a new password and a
	// revoked or expired one none. An agent without such a grant is an
	// error wrapping [modality.ErrNotFound] (the phone is refused, 403).
	// It may return more than one password while a key rotates: any of
	// them is accepted.
	PhonePassword(ctx context.Context, serviceID, agentID string) ([]string, error)
}

// Phone is an agent's registered SIP phone.
type Phone struct {
	Agent     string    // the agent's principal ID
	Contact   string    // where calls for the agent go (the Contact it registered)
	Transport string    // UDP or TCP
	Expires   time.Time // when the registration lapses, on Config.Now
}

// Registration bounds (RFC 3261 section 10.2.1.1: the registrar may
// shorten what a phone asks; 423 Interval Too Brief below the minimum).
const (
	minRegister     = 60 * time.Second
	maxRegister     = time.Hour
	defaultRegister = time.Hour
	nonceLife       = 5 * time.Minute
)

// phone is a registration. The caller holds Channel.mu.
type phone struct {
	Phone
	laddr  sip.Addr           // over UDP: the socket the REGISTER came in on
	ours   *sip.ContactHeader // our Contact where it registered
	detach func()             // takes the agent off duty ([modality.Phones]); nil: not on duty
}

// onRegister serves REGISTER: an agent's phone registers (or refreshes,
// or removes) its binding for a service, once authenticated against
// Config.Registrar.
func (c *Channel) onRegister(req *sip.Request, tx sip.ServerTransaction) {
	if !c.enter() {
		return
	}
	defer c.leave()
	if c.cfg.Registrar == nil {
		c.reply(req, tx, outcome{status: sip.StatusMethodNotAllowed, reason: "Method Not Allowed"})
		return
	}
	to := req.To()
	if to == nil {
		c.reply(req, tx, outcome{status: sip.StatusBadRequest, reason: "Bad Request"})
		return
	}
	agent, svcID := to.Address.User, to.Address.Host
	if !validToken(agent, 128) || !validToken(svcID, 128) {
		c.reply(req, tx, outcome{status: sip.StatusNotFound, reason: "Not Found"})
		return
	}
	c.mu.Lock()
	svc := c.services[svcID]
	open := svc != nil && svc.open
	c.mu.Unlock()
	if !open {
		c.reply(req, tx, outcome{status: sip.StatusNotFound, reason: "Not Found"})
		return
	}
	ctx, cancel := context.WithTimeout(c.base, c.cfg.LookupTimeout)
	defer cancel()
	switch ok, err := c.authenticate(ctx, req, svcID, agent); {
	case errors.Is(err, modality.ErrNotFound):
		c.log.Info("phone registration refused: no grant to take the service's calls", "service", svcID, "agent", agent, "from", req.Source())
		c.reply(req, tx, outcome{status: sip.StatusForbidden, reason: "Forbidden"})
		return
	case err != nil:
		c.log.Error(err, "phone registration not checked; refusing it with 503", "service", svcID, "agent", agent)
		c.reply(req, tx, outcome{status: sip.StatusServiceUnavailable, reason: "Service Unavailable", retryAfter: true})
		return
	case !ok:
		if req.GetHeader("Authorization") != nil {
			c.log.Info("phone registration refused: wrong credentials", "service", svcID, "agent", agent, "from", req.Source())
		}
		res := sip.NewResponseFromRequest(req, sip.StatusUnauthorized, "Unauthorized", nil)
		chal := c.challenge(svcID)
		res.AppendHeader(sip.NewHeader("WWW-Authenticate", chal.String()))
		if err := tx.Respond(res); err != nil {
			c.log.V(2).Info("401 not sent", "err", err.Error())
		}
		return
	}
	c.bind(req, tx, svcID, agent)
}

// bind applies an authenticated REGISTER's Contact and Expires.
func (c *Channel) bind(req *sip.Request, tx sip.ServerTransaction, svcID, agent string) {
	expires := defaultRegister
	if h := req.GetHeader("Expires"); h != nil {
		n, err := strconv.Atoi(strings.TrimSpace(h.Value()))
		if err != nil || n < 0 {
			c.reply(req, tx, outcome{status: sip.StatusBadRequest, reason: "Bad Request"})
			return
		}
		expires = time.Duration(n) * time.Second
	}
	contact := req.Contact()
	if contact != nil {
		if v, ok := contact.Params.Get("expires"); ok {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				c.reply(req, tx, outcome{status: sip.StatusBadRequest, reason: "Bad Request"})
				return
			}
			expires = time.Duration(n) * time.Second
		}
	}
	now := c.cfg.Now()
	c.mu.Lock()
	svc := c.services[svcID]
	if svc == nil || !svc.open {
		c.mu.Unlock()
		c.reply(req, tx, outcome{status: sip.StatusNotFound, reason: "Not Found"})
		return
	}
	var detach func()
	fresh := false
	switch {
	case contact == nil: // a query: answer with the binding
	case contact.Address.Wildcard || expires == 0:
		if old := svc.phones[agent]; old != nil {
			detach = old.detach
		}
		delete(svc.phones, agent)
	case expires < minRegister:
		c.mu.Unlock()
		res := sip.NewResponseFromRequest(req, sip.StatusIntervalToBrief, "Interval Too Brief", nil)
		res.AppendHeader(sip.NewHeader("Min-Expires", strconv.Itoa(int(minRegister/time.Second))))
		if err := tx.Respond(res); err != nil {
			c.log.V(2).Info("423 not sent", "err", err.Error())
		}
		return
	default:
		expires = min(expires, maxRegister)
		p := &phone{Phone: Phone{Agent: agent, Contact: contact.Address.String(), Transport: transportName(req), Expires: now.Add(expires)}}
		p.ours = c.contactFor(req)
		if p.ours != nil && p.Transport == "UDP" {
			// Calls to the phone leave from the socket it registered on.
			p.laddr = sip.Addr{IP: net.ParseIP(strings.Trim(p.ours.Address.Host, "[]")), Port: p.ours.Address.Port}
		}
		if svc.phones == nil {
			svc.phones = map[string]*phone{}
		}
		if old := svc.phones[agent]; old != nil {
			p.detach = old.detach // a refresh: still on duty
		}
		fresh = p.detach == nil
		svc.phones[agent] = p
	}
	p := svc.phones[agent]
	c.mu.Unlock()
	if detach != nil {
		detach()
	}
	if fresh {
		c.attachPhone(svcID, agent)
	}
	res := sip.NewResponseFromRequest(req, sip.StatusOK, "OK", nil)
	if p != nil && now.Before(p.Expires) {
		left := int(p.Expires.Sub(now) / time.Second)
		res.AppendHeader(sip.NewHeader("Contact", "<"+p.Contact+">;expires="+strconv.Itoa(left)))
	}
	if err := tx.Respond(res); err != nil {
		c.log.V(2).Info("REGISTER answer not sent", "err", err.Error())
	}
	c.log.V(1).Info("phone registered", "service", svcID, "agent", agent, "bound", p != nil)
}

// authenticate checks req's digest credentials for agent in svcID's
// realm. ok false without an error: no credentials, or wrong ones, or a
// stale nonce (challenge again).
func (c *Channel) authenticate(ctx context.Context, req *sip.Request, svcID, agent string) (bool, error) {
	h := req.GetHeader("Authorization")
	if h == nil {
		return false, nil
	}
	cred, err := digest.ParseCredentials(h.Value())
	if err != nil || cred.Username != agent || cred.Realm != svcID || !c.freshNonce(svcID, cred.Nonce) ||
		(cred.Algorithm != "" && !strings.EqualFold(cred.Algorithm, "MD5")) {
		return false, nil
	}
	passwords, err := c.cfg.Registrar.PhonePassword(ctx, svcID, agent)
	if err != nil {
		return false, err
	}
	chal := c.challengeWith(svcID, cred.Nonce)
	switch cred.QOP {
	case "": // RFC 2069's digest, without qop: older phones
		chal.QOP = nil
	case "auth":
		if cred.Cnonce == "" || cred.Nc < 1 {
			return false, nil
		}
	default:
		return false, nil
	}
	for _, pw := range passwords {
		want, err := digest.Digest(&chal, digest.Options{Method: "REGISTER", URI: cred.URI, Username: agent, Password: pw,
			Cnonce: cred.Cnonce, Count: cred.Nc})
		if err == nil && subtle.ConstantTimeCompare([]byte(want.Response), []byte(cred.Response)) == 1 {
			return true, nil
		}
	}
	return false, nil
}

// challenge is a fresh digest challenge in svcID's realm. Its nonce is
// stateless: the time it was made and an HMAC of it and the realm under
// the channel's key, so that a flood of REGISTERs costs no memory.
func (c *Channel) challenge(svcID string) digest.Challenge {
	var b [8 + 16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(c.cfg.Now().Unix()))
	mac := hmac.New(sha256.New, c.nonceKey[:])
	mac.Write(b[:8])
	mac.Write([]byte(svcID))
	copy(b[8:], mac.Sum(nil))
	return c.challengeWith(svcID, base64.RawURLEncoding.EncodeToString(b[:]))
}

func (c *Channel) challengeWith(svcID, nonce string) digest.Challenge {
	return digest.Challenge{Realm: svcID, Nonce: nonce, Algorithm: "MD5", QOP: []string{"auth"}}
}

// freshNonce reports whether nonce is one of ours for svcID, made within
// nonceLife.
func (c *Channel) freshNonce(svcID, nonce string) bool {
	b, err := base64.RawURLEncoding.DecodeString(nonce)
	if err != nil || len(b) != 24 {
		return false
	}
	mac := hmac.New(sha256.New, c.nonceKey[:])
	mac.Write(b[:8])
	mac.Write([]byte(svcID))
	if !hmac.Equal(b[8:], mac.Sum(nil)[:16]) {
		return false
	}
	made := time.Unix(int64(binary.BigEndian.Uint64(b[:8])), 0)
	age := c.cfg.Now().Sub(made)
	return age >= -time.Minute && age <= nonceLife
}

func newNonceKey() (k [32]byte) {
	if _, err := rand.Read(k[:]); err != nil {
		panic(fmt.Sprintf("sipchannel: no randomness: %v", err)) // crypto/rand never fails on supported platforms
	}
	return k
}

// Phones lists the phones registered for a service now, by agent.
func (c *Channel) Phones(ctx context.Context, serviceID string) ([]Phone, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now := c.cfg.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	svc := c.services[serviceID]
	if svc == nil {
		return nil, fmt.Errorf("sipchannel: phones of %q: %w", serviceID, modality.ErrNotFound)
	}
	var out []Phone
	for _, p := range svc.phones {
		if now.Before(p.Expires) {
			out = append(out, p.Phone)
		}
	}
	slices.SortFunc(out, func(a, b Phone) int { return strings.Compare(a.Agent, b.Agent) })
	return out, nil
}

// Unregister ends agentID's phone registration for serviceID, as when the
// agent's grant ends; it is not an error if there is none.
func (c *Channel) Unregister(ctx context.Context, serviceID, agentID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	var detach func()
	if svc := c.services[serviceID]; svc != nil {
		if p := svc.phones[agentID]; p != nil {
			detach = p.detach
		}
		delete(svc.phones, agentID)
	}
	c.mu.Unlock()
	if detach != nil {
		detach()
	}
	return nil
}
