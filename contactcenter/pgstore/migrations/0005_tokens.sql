-- Credentials of bearer tokens (access.TokenStore): a token's selector,
-- the HMAC-SHA256 digest of the token under a server key, and what it
-- stands for. Never the token: a row cannot be turned back into one.
--
-- PostgreSQL keeps instants to the microsecond; each *_ns column holds the
-- nanoseconds below it (0 to 999), so that an instant round-trips exactly
-- as Go's time.Time, like the grants' documents. A zero RevokedAt is NULL.
-- There is no foreign key to access_grants: the access.TokenStore
-- contract does not tie a credential to a stored grant, and a token whose
-- grant is missing denies (access.NoGrant).
CREATE TABLE access_credentials (
    id            text COLLATE "C" PRIMARY KEY,
    key_id        text        NOT NULL,
    digest        bytea       NOT NULL CHECK (length(digest) = 32),
    grant_id      text        NOT NULL,
    service_id    text        NOT NULL,
    principal     text        NOT NULL,
    issued_at     timestamptz NOT NULL,
    issued_at_ns  smallint    NOT NULL CHECK (issued_at_ns BETWEEN 0 AND 999),
    revoked       boolean     NOT NULL,
    revoked_at    timestamptz,
    revoked_at_ns smallint    NOT NULL CHECK (revoked_at_ns BETWEEN 0 AND 999)
);
-- RevokeCredentials selects by grant (a grant revoked), by service (the
-- closing plan) or by principal (a person removed).
CREATE INDEX access_credentials_grant ON access_credentials (grant_id);
CREATE INDEX access_credentials_service ON access_credentials (service_id);
CREATE INDEX access_credentials_principal ON access_credentials (principal);
