-- The owners that drive services (contactcenter.Leaser): each Acquire
-- marks its owner live until the end of the leases it takes, so that
-- live owners split the free services among themselves.
CREATE TABLE cc_owners (
    owner text COLLATE "C" PRIMARY KEY,
    until timestamptz NOT NULL
);
