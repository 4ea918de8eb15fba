-- Engagement records of package modality/routing (routing.Records): one
-- row per engagement of a service, what its router decided last, so that
-- a replica taking the service over rebuilds its router from the live
-- rows and the report reads the ended ones.
--
-- A zero instant is NULL; ended IS NULL is a live record. Each *_ns
-- column holds the nanoseconds below the microsecond the timestamptz
-- keeps (0 to 999), so that an instant round-trips, and orders, exactly
-- as Go's time.Time. IDs are COLLATE "C" so that ties order as Go
-- compares strings, byte by byte.
CREATE TABLE engagement_records (
    service_id  text COLLATE "C" NOT NULL,
    id          text COLLATE "C" NOT NULL,
    queue       text        NOT NULL,
    kind        text        NOT NULL,
    arrived     timestamptz,
    arrived_ns  smallint    NOT NULL CHECK (arrived_ns BETWEEN 0 AND 999),
    entered     timestamptz,
    entered_ns  smallint    NOT NULL CHECK (entered_ns BETWEEN 0 AND 999),
    agent       text        NOT NULL,
    accepted    timestamptz,
    accepted_ns smallint    NOT NULL CHECK (accepted_ns BETWEEN 0 AND 999),
    ended       timestamptz,
    ended_ns    smallint    NOT NULL CHECK (ended_ns BETWEEN 0 AND 999),
    outcome     text        NOT NULL,
    seq         bigint      NOT NULL,
    PRIMARY KEY (service_id, id),
    CHECK ((ended IS NULL) = (outcome = ''))
);
-- Live lists a service's live rows by arrival, Ended its ended rows by
-- end; Delete finds a service's rows by the primary key.
CREATE INDEX engagement_records_live ON engagement_records (service_id, arrived NULLS FIRST, arrived_ns, id)
    WHERE ended IS NULL;
CREATE INDEX engagement_records_ended ON engagement_records (service_id, ended, ended_ns, id)
    WHERE ended IS NOT NULL;
