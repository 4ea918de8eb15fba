-- Chat transcripts of package modality/chatchannel (chatchannel.Transcripts):
-- one row per message of a conversation, keyed by (conversation, seq),
-- so that an attendee who reconnects to any replica is sent what was
-- said since.
--
-- seq is 1, 2, ... within a conversation, assigned by Append under a
-- transaction-scoped advisory lock on the conversation; the primary key
-- refuses a second row of a Seq all the same. client_msg_id is '' when
-- the attendee gave none; a non-empty one is unique in its conversation,
-- so a resend is never stored twice. A zero instant is NULL; at_ns holds
-- the nanoseconds below the microsecond the timestamptz keeps (0 to
-- 999), so that an instant round-trips exactly.
CREATE TABLE chat_transcripts (
    conversation  text COLLATE "C" NOT NULL,
    seq           bigint      NOT NULL CHECK (seq > 0),
    service_id    text COLLATE "C" NOT NULL,
    id            text        NOT NULL,
    author        text        NOT NULL,
    body          text        NOT NULL,
    at            timestamptz,
    at_ns         smallint    NOT NULL CHECK (at_ns BETWEEN 0 AND 999),
    client_msg_id text        NOT NULL,
    PRIMARY KEY (conversation, seq)
);
-- Append finds a resend by its client id; DeleteService a service's rows.
CREATE UNIQUE INDEX chat_transcripts_client_msg ON chat_transcripts (conversation, client_msg_id)
    WHERE client_msg_id <> '';
CREATE INDEX chat_transcripts_service ON chat_transcripts (service_id, conversation);
