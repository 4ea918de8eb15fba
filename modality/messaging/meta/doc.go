// Package meta is the WhatsApp Business Platform's Cloud API and the
// Messenger Platform as [messaging.Provider]s: [WhatsApp] and
// [Messenger], made with [NewWhatsApp] and [NewMessenger]. Both are
// Meta's Graph API webhooks, verified and signed the same way, and both
// are [modality.Social]. They use the standard library only.
//
// # Webhooks
//
// Meta's webhooks (https://developers.facebook.com/docs/graph-api/webhooks/getting-started)
// come to one callback URL set in the App Dashboard:
//
//   - A GET is Meta verifying the endpoint, with hub.mode=subscribe,
//     hub.verify_token and hub.challenge. When the token is the
//     configured VerifyToken (compared in constant time), Parse returns
//     a Delivery whose Respond answers 200 with the challenge as
//     text/plain; otherwise an error wrapping [messaging.ErrUnauthorized],
//     a *[messaging.UnauthorizedError] of status 403.
//   - A POST carries events, signed with X-Hub-Signature-256:
//     "sha256=" and the hex HMAC-SHA256 of the raw body keyed with the
//     app secret ([Sign]). A missing or wrong signature is
//     ErrUnauthorized (403, as Meta's sample endpoints answer); a body
//     that is not JSON in Meta's shape is [messaging.ErrMalformed].
//
// A POST may batch several entries, each of several messages and
// statuses; Parse returns them all, in order. An object other than the
// provider's, a field or event it does not take (account updates,
// template status updates, echoes, reactions, postbacks) is an empty
// Delivery and no error, so that Meta does not disable the webhook.
//
// # WhatsApp
//
// The payload (https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components)
// is an object "whatsapp_business_account" whose entries' changes of
// field "messages" hold a value with metadata, messages and statuses.
// Each message is an [messaging.Inbound]:
//
//   - ID is its id ("wamid.…"); At its timestamp (Unix seconds).
//   - From is the sender's WhatsApp ID written as E.164: the Cloud API
//     gives the number as digits only ("12025550143"), so From is
//     "+12025550143"; an ID that is not digits is left as it is. Send
//     takes the "+" off again, so a reply to From reaches the sender.
//   - To is metadata.phone_number_id, the business number's Graph ID
//     (the configured PhoneNumberID if absent): a reply from it goes out
//     through the number the message reached.
//   - Body is the text of a text message. Other messages become an
//     Inbound too, so that the agent sees something arrived: an image,
//     a video or a document is "(an image)", "(a video)", "(a document:
//     name)", followed by its caption; audio "(a voice message)" or
//     "(an audio message)"; "(a sticker)", "(a location: …)", "(a contact
//     card)", "(an order)"; a tapped button or list item is its title;
//     a type this package does not know is "(a message of a kind this
//     service cannot show)". The media themselves are not fetched.
//     Reactions and system messages are not the attendee writing and
//     are dropped.
//
// Statuses sent, delivered, read and failed are [messaging.Status]es of
// those states, At their timestamp; a failure's Err is its first error's
// title and code ("Message undeliverable (code 131026)"). Other statuses
// are dropped.
//
// # Messenger
//
// The payload (https://developers.facebook.com/docs/messenger-platform/webhooks,
// and the reference of the messages and message_deliveries events) is an
// object "page" whose entries hold messaging events:
//
//   - A message is an Inbound: ID its mid, From the sender's page-scoped
//     ID (PSID), To the recipient (the page's ID), At its timestamp
//     (Unix milliseconds), Body its text, or for attachments alone
//     "(an image)", "(a video)", "(an audio message)", "(a file)",
//     "(a location)", "(a link)", "(an attachment)". Echoes of the
//     page's own messages (is_echo) are dropped.
//   - A delivery is a Delivered Status for each of its mids, At its
//     watermark.
//   - A read carries only a watermark (every message before it was
//     read), no message ID, so it is dropped: Messenger reports no Read
//     for a given reply, and no Sent or Failed either (Send's answer is
//     the only word on those).
//
// # Sending
//
// Send posts JSON to the Graph API's {GraphBase}/{ID}/messages with the
// AccessToken as bearer: WhatsApp's text message
// (https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages)
// from the phone number ID Outbound.From, Messenger's Send API
// (https://developers.facebook.com/docs/messenger-platform/reference/send-api)
// as the page Outbound.From, either defaulting to the configured ID.
// It returns the ID that later statuses name. Errors:
//
//   - A done ctx: ctx.Err(), possibly wrapped; nothing may have been
//     sent.
//   - A rate limit (429, or one of the Graph API's rate-limit codes 4,
//     17, 32, 613, 80006, 80007, 130429, 131048, 131056, which come with
//     a 400 too): a *[messaging.RetryError] whose After is the
//     Retry-After header's seconds, or [DefaultRetryAfter] without one.
//   - Any other 4xx: the Graph API refused the reply for good (an
//     invalid recipient, a closed 24-hour window, a bad token): an error
//     wrapping both [messaging.ErrRejected] and an *[APIError] with
//     Meta's code — unless the error says is_transient.
//   - A 5xx, a 408, a transient Graph error, a network failure: any
//     other error, transient; the *[APIError] is in it when Meta
//     answered.
//
// Neither API takes an idempotency key, so Outbound.Ref is not sent: a
// Send whose answer was lost and that is sent again may deliver twice.
//
// Both providers are safe for concurrent use and hold no resources
// beyond their HTTPClient.
package meta
