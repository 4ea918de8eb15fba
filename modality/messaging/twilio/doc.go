// Package twilio is Twilio's Programmable Messaging (SMS) as a
// [messaging.Provider], written against Twilio's published webhook and
// REST formats with the standard library; no Twilio SDK.
//
//	p, err := twilio.New(twilio.Config{
//		AccountSID: os.Getenv("TWILIO_ACCOUNT_SID"),
//		AuthToken:  os.Getenv("TWILIO_AUTH_TOKEN"),
//		PublicURL:  "https://cc.example.com/twilio/sms", // as set in Twilio's console
//	})
//
// Set the number's (or Messaging Service's) "A message comes in" webhook
// to the URL the host serves Parse at, method HTTP POST, and set
// [Config.StatusCallback] to it too for the replies' status callbacks.
//
// # Webhooks
//
// Twilio posts an incoming message as an application/x-www-form-urlencoded
// form with MessageSid, AccountSid, From, To, Body, NumMedia and more
// (https://www.twilio.com/docs/messaging/guides/webhook-request); Parse
// returns it as one [messaging.Inbound] with the MessageSid as its ID.
// A status callback (https://www.twilio.com/docs/messaging/guides/track-outbound-message-status)
// carries MessageSid, MessageStatus and, for a failure, ErrorCode; Parse
// maps queued, accepted, sending and sent to [messaging.Sent], delivered
// to [messaging.Delivered], read to [messaging.Read], and undelivered,
// failed and canceled to [messaging.Failed] with Err "error <ErrorCode>"
// (or the status when no code is given). Any other request Twilio signs
// (a call's status callback, a status such as scheduled) is an empty
// Delivery. Every verified request is answered with an empty TwiML
// document, <Response></Response>, so Twilio sends no automatic reply.
// Twilio does not say when an incoming message was sent: Inbound.At and
// Status.At are zero. Media (NumMedia, MediaUrl0...) is not carried: an
// MMS's Body is its text alone, possibly empty.
//
// # Signatures
//
// Twilio signs every webhook with X-Twilio-Signature
// (https://www.twilio.com/docs/usage/security#validating-requests): the
// base64 of an HMAC-SHA1, keyed with the account's auth token, over the
// full URL Twilio called followed by every POST parameter sorted by name,
// each as name then value. For a request with an application/json body,
// Twilio signs the URL alone and adds bodySHA256, the hex SHA-256 of the
// body, to its query; Parse checks both, and reads the body's object as
// the form's parameters (its strings, numbers and booleans by key). As Twilio's SDKs do, the URL is
// tried with and without its scheme's default port. Comparisons are in
// constant time.
//
// The URL is the one Twilio called: behind a proxy that changes scheme,
// host or path, set [Config.PublicURL]; without it the URL is rebuilt
// from the request (X-Forwarded-Proto or TLS for the scheme, the Host
// header, the path and query as received). A request without a valid
// signature, or naming another account in AccountSid, is a
// *[messaging.UnauthorizedError] with status 403, as Twilio's own
// request validation middleware answers; a verified request whose body
// cannot be read wraps [messaging.ErrMalformed].
//
// # Replies
//
// Send posts From, To and Body to the account's Messages resource,
// https://api.twilio.com/2010-04-01/Accounts/{AccountSid}/Messages.json
// (https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource),
// with the account SID and auth token as basic authentication, and
// returns the new message's SID. Twilio's error answers are *[APIError]s
// carrying Twilio's error code: a 4xx (an invalid number, 21211; an
// unsubscribed recipient, 21610) wraps [messaging.ErrRejected], except
// 401, 408 and 429; a 429 with a Retry-After is a
// *[messaging.RetryError]. Outbound.Ref goes in [IdempotencyHeader].
//
// A Provider is safe for concurrent use.
package twilio
