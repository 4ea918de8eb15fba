// Package telegram is the [messaging.Provider] of a Telegram bot: it
// parses the updates Telegram posts to the bot's webhook and sends
// replies with the Bot API's sendMessage method. It uses only the
// standard library, written against Telegram's Bot API documentation,
// https://core.telegram.org/bots/api.
//
// # Setting up
//
// Create the bot with @BotFather, which gives its token ([Config.BotToken])
// and its username ([Config.BotName]). Register the webhook with the Bot
// API's setWebhook (https://core.telegram.org/bots/api#setwebhook),
// passing its secret_token ([Config.SecretToken]): Telegram then sends
// that token in the X-Telegram-Bot-Api-Secret-Token header of every
// update, and [Provider.Parse] refuses a request without it (the
// comparison takes constant time for a token of the right length).
// Telegram signs nothing else: a request carrying the secret is
// Telegram's, whatever its body.
//
// # Inbound messages
//
// Each webhook request is one Update
// (https://core.telegram.org/bots/api#update). Parse takes:
//
//   - "message": one [messaging.Inbound]. Its ID is "<chat id>:<message_id>"
//     (a message_id is unique only within its chat; Telegram resends an
//     update it failed to deliver with the same message, so the ID is
//     stable across retries; update_id is not used, as it names the
//     delivery, not the message). From is the chat's id in decimal,
//     which is where replies go; To is [Config.BotName]; At is the
//     message's date. Body is the text, or for a message without text
//     a note of what arrived in parentheses, followed by its caption if
//     it has one: "(a photo) the queue at hall B", "(a sticker 👍)",
//     "(a voice message)", "(a location 52.52, 13.405)". A message
//     of a kind this package does not know is "(a message of a kind
//     the contact center cannot show)", so the attendee is still
//     answered.
//   - "edited_message": ignored (an empty Delivery). An edit is not a
//     new message, and it carries the original's message_id, so taking
//     it would be dropped as a duplicate anyway.
//   - service messages in "message" (a member joined or left, a chat's
//     title or photo changed, a message pinned, a group migrated):
//     ignored.
//   - every other kind of update (callback_query, channel_post,
//     my_chat_member, inline_query, ...): ignored.
//
// Telegram reports no delivery statuses: Delivery.Statuses is always
// empty.
//
// # Errors
//
// Parse returns a *[messaging.UnauthorizedError] (Status 401, wrapping
// [messaging.ErrUnauthorized]) for a request without the right secret
// token, and an error wrapping [messaging.ErrMalformed] for one that is
// not an Update: not a POST, not a JSON object, or without update_id, or
// a message without its chat or message_id.
//
// Send posts to sendMessage (https://core.telegram.org/bots/api#sendmessage)
// and returns "<chat id>:<message_id>" of the message sent. The Bot API's
// error answers map so: 429 is a *[messaging.RetryError] after the
// answer's parameters.retry_after; other 4xx (400 "chat not found", 403
// "bot was blocked by the user", 401 and 404 for a wrong bot token) wrap
// [messaging.ErrRejected] with Telegram's description; 5xx and network
// failures are transient. A recipient that is not a chat id (a decimal
// integer) or a channel's "@username", an empty body, or an
// Outbound.From naming another bot are rejected without a request.
// sendMessage has no idempotency key: when an answer is lost, sending
// again may deliver the reply twice.
//
// The bot token is part of every API URL. It is never logged and never
// in an error: a transport error's URL is redacted.
//
// A [Provider] is safe for concurrent use.
package telegram
