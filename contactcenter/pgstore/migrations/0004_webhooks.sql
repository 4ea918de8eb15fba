-- The webhook Handler's state (package contactcenter/webhook), shared by
-- every replica, so that a delivery decided or received by one is known
-- to all of them.
--
-- webhook_versions is the webhook.VersionStore: per subject ("event/<id>",
-- "attendee/<event id>/<attendee id>"), the last delivery decided, as a
-- JSON webhook.Record, beside the columns Put orders it by: the stamp's
-- version (0 for none) and update time, as Unix seconds and the
-- nanoseconds below them (NULL for none), so that it orders exactly as
-- Go's time.Time does.
CREATE TABLE webhook_versions (
    subject    text COLLATE "C" PRIMARY KEY,
    version    bigint NOT NULL,
    updated_s  bigint,
    updated_ns int CHECK (updated_ns BETWEEN 0 AND 999999999),
    doc        json   NOT NULL,
    CHECK ((updated_s IS NULL) = (updated_ns IS NULL))
);

-- webhook_replays is the webhook.ReplayStore: the signed deliveries
-- received within the tolerance window, by delivery ID and signing
-- instant (Unix seconds). until is the last instant the signature check
-- accepts the delivery, rounded up to the microsecond; rows are swept
-- once the clock is past it by more than the allowed skew.
CREATE TABLE webhook_replays (
    delivery text COLLATE "C" NOT NULL,
    signed   bigint      NOT NULL,
    until    timestamptz NOT NULL,
    PRIMARY KEY (delivery, signed)
);
CREATE INDEX webhook_replays_until ON webhook_replays (until);
