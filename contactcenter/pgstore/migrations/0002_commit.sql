-- cc_commit stores a service (when p_id is not null) and appends journal
-- entries, in one statement and so in one transaction: the
-- contactcenter.Committer capability. It raises EC001 when the service is
-- not at p_revision, EC002 when it does not exist, EC003 when an entry's
-- seq is not the next of its plan and EC004 when its plan does not exist;
-- a concurrent append of the same seq fails on the primary key (23505).
CREATE FUNCTION cc_commit(
    p_id text, p_revision bigint, p_state text, p_final boolean,
    p_deploy_at timestamptz, p_expires timestamptz, p_doc json,
    p_plans text[], p_seqs bigint[], p_docs text[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    want bigint;
BEGIN
    IF p_id IS NOT NULL THEN
        UPDATE cc_services SET state = p_state, final = p_final, revision = revision + 1,
            deploy_at = p_deploy_at, expires = p_expires, doc = p_doc,
            lease_owner = CASE WHEN p_final THEN NULL ELSE lease_owner END,
            lease_until = CASE WHEN p_final THEN NULL ELSE lease_until END
        WHERE id = p_id AND revision = p_revision;
        IF NOT FOUND THEN
            IF EXISTS (SELECT 1 FROM cc_services WHERE id = p_id) THEN
                RAISE EXCEPTION 'service % is not at revision %', p_id, p_revision USING ERRCODE = 'EC001';
            END IF;
            RAISE EXCEPTION 'service % does not exist', p_id USING ERRCODE = 'EC002';
        END IF;
    END IF;
    FOR i IN 1 .. coalesce(array_length(p_plans, 1), 0) LOOP
        SELECT coalesce(max(seq), 0) + 1 INTO want FROM cc_journal WHERE plan_id = p_plans[i];
        IF want <> p_seqs[i] THEN
            IF NOT EXISTS (SELECT 1 FROM cc_plans WHERE id = p_plans[i]) THEN
                RAISE EXCEPTION 'plan % does not exist', p_plans[i] USING ERRCODE = 'EC004';
            END IF;
            RAISE EXCEPTION 'append of seq % to plan %: the next seq is %', p_seqs[i], p_plans[i], want
                USING ERRCODE = 'EC003';
        END IF;
        INSERT INTO cc_journal (plan_id, seq, doc) VALUES (p_plans[i], p_seqs[i], p_docs[i]::json);
    END LOOP;
END
$$;
