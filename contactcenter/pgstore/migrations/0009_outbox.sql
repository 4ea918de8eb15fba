-- Replies of the messaging channels on their way through providers
-- (outbox.Store): one row per reply, kept until the provider takes it,
-- so that a reply outlives the process that wrote it and the replica
-- that takes a service over sends what is pending for it.
--
-- ref is the channel's ID of the reply; a second Put of it changes
-- nothing. ord, drawn from a sequence as the row is inserted, is the
-- order Pending lists a service's replies in. provider_id and sent are
-- NULL while the reply is pending; provider_id stays NULL for a reply
-- whose provider gave no ID. Each instant is a timestamptz and, in
-- *_ns, the nanoseconds below the microsecond it keeps (0 to 999), so
-- that it round-trips exactly; a zero instant is kept as itself
-- (0001-01-01 UTC), never NULL.
CREATE TABLE messaging_outbox (
    ref           text COLLATE "C" PRIMARY KEY,
    ord           bigint GENERATED ALWAYS AS IDENTITY,
    provider      text COLLATE "C" NOT NULL,
    from_addr     text        NOT NULL,
    to_addr       text        NOT NULL,
    service_id    text COLLATE "C" NOT NULL,
    conversation  text        NOT NULL,
    message_id    text        NOT NULL,
    seq           bigint      NOT NULL,
    author        text        NOT NULL,
    body          text        NOT NULL,
    at            timestamptz NOT NULL,
    at_ns         smallint    NOT NULL CHECK (at_ns BETWEEN 0 AND 999),
    client_msg_id text        NOT NULL,
    first         timestamptz NOT NULL,
    first_ns      smallint    NOT NULL CHECK (first_ns BETWEEN 0 AND 999),
    provider_id   text COLLATE "C",
    sent          timestamptz,
    sent_ns       smallint    CHECK (sent_ns BETWEEN 0 AND 999),
    CHECK ((sent IS NULL) = (sent_ns IS NULL)),
    CHECK (provider_id IS NULL OR sent IS NOT NULL)
);
-- Pending lists a service's pending replies in order; Lookup finds a
-- sent one by its provider's ID (unique per provider); Forget drops
-- those first tried before an instant.
CREATE INDEX messaging_outbox_pending ON messaging_outbox (service_id, ord) WHERE sent IS NULL;
CREATE UNIQUE INDEX messaging_outbox_provider_id ON messaging_outbox (provider, provider_id)
    WHERE provider_id IS NOT NULL;
CREATE INDEX messaging_outbox_first ON messaging_outbox (first, first_ns);
