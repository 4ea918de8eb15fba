-- Services, plans and plan journals of package contactcenter.
CREATE TABLE cc_services (
    id          text COLLATE "C" PRIMARY KEY,
    state       text   NOT NULL,
    final       boolean NOT NULL,
    revision    bigint NOT NULL,
    deploy_at   timestamptz,
    expires     timestamptz,
    lease_owner text,
    lease_until timestamptz,
    doc         json   NOT NULL
);
CREATE INDEX cc_services_state ON cc_services (state);
CREATE INDEX cc_services_lease ON cc_services (lease_owner) WHERE NOT final;

CREATE TABLE cc_plans (
    id         text COLLATE "C" PRIMARY KEY,
    service_id text NOT NULL,
    digest     text NOT NULL,
    doc        json NOT NULL
);

-- The journal: (plan_id, seq) is unique, so two writers never both
-- append the same Seq.
CREATE TABLE cc_journal (
    plan_id text   NOT NULL REFERENCES cc_plans (id),
    seq     bigint NOT NULL CHECK (seq > 0),
    doc     json   NOT NULL,
    PRIMARY KEY (plan_id, seq)
);

-- Grants of package access.
CREATE TABLE access_grants (
    id         text COLLATE "C" PRIMARY KEY,
    service_id text    NOT NULL,
    principal  text    NOT NULL,
    revoked    boolean NOT NULL,
    not_after  timestamptz NOT NULL,
    revision   bigint  NOT NULL,
    doc        json    NOT NULL
);
CREATE INDEX access_grants_service ON access_grants (service_id);
CREATE INDEX access_grants_principal ON access_grants (principal);

-- The number pool of package numbermap. service_id is the service of the
-- current lease; available_from is Record.AvailableFrom, kept by every
-- write, so claims find available numbers by query.
CREATE TABLE numbers (
    number         text COLLATE "C" PRIMARY KEY,
    country        text   NOT NULL,
    region         text   NOT NULL,
    type           text   NOT NULL,
    caps           int    NOT NULL,
    service_id     text,
    available_from timestamptz NOT NULL,
    revision       bigint NOT NULL,
    doc            json   NOT NULL
);
CREATE INDEX numbers_service ON numbers (service_id);
CREATE INDEX numbers_available ON numbers (country, available_from, number);
