-- Social accounts (contactcenter.AccountIndex): a message to an event's
-- account that reaches a replica not driving its service is forwarded to
-- the one that does, found by the account among the requests' accounts.
CREATE INDEX cc_services_accounts ON cc_services
    USING gin (((doc::jsonb) -> 'request' -> 'features' -> 'accounts'));
