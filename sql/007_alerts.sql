-- 007: alerting - subscriptions, and the deliveries the daemon makes of them.
--
-- A subscription is a recipient (an e-mail address or a webhook URL) and
-- filters on the events: type, the meeting's cluster, region and body, the
-- item's outcome, and a Danish full-text query over the item.  The daemon
-- plans deliveries from the events (minutes.plan_deliveries), sends them on
-- its loop, and records each outcome (minutes.delivery_done).  One delivery
-- is one message: the events one load of one document caused that match one
-- subscription, or, for a digest subscription, every matching event of one
-- clock hour or day (Danish time).  Its key is the idempotency key that
-- goes out with it (Idempotency-Key header, e-mail Message-ID), so a
-- message sent again after a crash is recognisably the same message.

CREATE TABLE minutes.subscriptions (
    id          bigserial PRIMARY KEY,
    channel     text NOT NULL CHECK (channel IN ('email', 'webhook')),
    target      text NOT NULL CHECK (length(target) BETWEEN 3 AND 2048 AND target !~ '[[:cntrl:]]'),
    events      text[] NOT NULL DEFAULT '{decision_appeared,decision_changed}',
    -- filters: NULL is "any"; values are kept in lower case
    clusters    text[],
    regions     text[],
    bodies      text[],
    outcomes    text[],
    query       text,
    digest      text CHECK (digest IN ('hourly', 'daily')),
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    -- events after this one are for it (ids are visible in order, times
    -- are not: a load that started before the subscription may commit after)
    first_event_id bigint NOT NULL DEFAULT 0
);

CREATE TABLE minutes.deliveries (
    id              bigserial PRIMARY KEY,
    subscription_id bigint NOT NULL REFERENCES minutes.subscriptions (id),
    key             text NOT NULL UNIQUE,
    document_id     bigint,
    event_ids       bigint[] NOT NULL,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt    timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz
);
CREATE INDEX deliveries_due_idx ON minutes.deliveries (next_attempt) WHERE status = 'pending';

-- How far the planner has read minutes.events.  Event ids become visible in
-- order (see emit_events), so "everything after this id" misses nothing.
CREATE TABLE minutes.dispatch_state (
    id              integer PRIMARY KEY CHECK (id = 1),
    last_event_id   bigint NOT NULL
);
-- Subscriptions are about what happens from now on: existing events are
-- not delivered to anybody.
INSERT INTO minutes.dispatch_state VALUES (1, (SELECT coalesce(max(id), 0) FROM minutes.events));

-- Case-insensitive for Danish names too: the private cluster runs without
-- a locale, where lower() folds ASCII letters only.  Filters are stored
-- through it and compared through it.
CREATE FUNCTION minutes.fold(p text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT translate(lower(p), 'ÆØÅÄÖÜÉÈ', 'æøåäöüéè');
$$;

-- Plans the deliveries for every event not planned yet; returns how many
-- deliveries were added or extended.  Serialised by the state row's lock,
-- so two daemons on one database plan each event once.
CREATE FUNCTION minutes.plan_deliveries() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    v_from  bigint;
    v_to    bigint;
    v_n     integer;
BEGIN
    SELECT last_event_id INTO v_from FROM minutes.dispatch_state WHERE id = 1 FOR UPDATE;
    SELECT coalesce(max(id), v_from) INTO v_to FROM minutes.events WHERE id > v_from;
    IF v_to <= v_from THEN
        RETURN 0;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM minutes.subscriptions WHERE active) THEN
        -- nobody to tell: the daemon asks after every load, so this is the
        -- common case of an installation without subscriptions, and cheap
        UPDATE minutes.dispatch_state SET last_event_id = v_to WHERE id = 1;
        RETURN 0;
    END IF;
    -- A digest window is the one the event is planned in, not the one its
    -- transaction started in: a load that began at 16:59:50 and committed
    -- at 17:00:10 must not land in the 16:00 digest, which may be gone.
    WITH matched AS (
        SELECT s.id AS sub, s.digest, e.id AS event_id, e.document_id, clock_timestamp() AS created_at
          FROM minutes.events e
          JOIN minutes.subscriptions s ON s.active AND e.type = ANY (s.events)
                                      AND e.id > s.first_event_id
          LEFT JOIN minutes.meetings m ON m.id = e.meeting_id
          LEFT JOIN minutes.items i ON i.id = e.item_id
         WHERE e.id > v_from AND e.id <= v_to
           AND (s.clusters IS NULL OR minutes.fold(m.cluster) = ANY (s.clusters))
           AND (s.regions IS NULL OR minutes.fold(m.region) = ANY (s.regions))
           AND (s.bodies IS NULL OR EXISTS (SELECT 1 FROM unnest(s.bodies) b
                                             WHERE strpos(minutes.fold(m.body), b) > 0))
           AND (s.outcomes IS NULL OR coalesce(i.outcome, e.payload->>'outcome') = ANY (s.outcomes))
           -- a closed item's text is not searched: a match would tell the
           -- subscriber what the closed decision says
           AND (s.query IS NULL OR (i.public IS NOT FALSE AND i.fts @@ websearch_to_tsquery('danish', s.query)))
    ), batches AS (
        -- a document's events from one load commit together, so within one
        -- plan they are whole; their first id tells this load from a later
        -- one (a re-parse, a corrected version) of the same document
        SELECT sub, digest, document_id, event_id, created_at,
               min(event_id) OVER (PARTITION BY sub, document_id) AS first_id
          FROM matched
    ), grouped AS (
        SELECT sub,
               CASE WHEN digest IS NOT NULL THEN
                        'digest:' || digest || ':' ||
                        to_char(date_trunc(CASE digest WHEN 'hourly' THEN 'hour' ELSE 'day' END,
                                           created_at AT TIME ZONE 'Europe/Copenhagen'), 'YYYY-MM-DD"T"HH24')
                        || ':sub:' || sub
                    WHEN document_id IS NULL THEN 'event:' || event_id || ':sub:' || sub
                    ELSE 'doc:' || document_id || ':' || first_id || ':sub:' || sub END AS key,
               CASE WHEN digest IS NULL THEN document_id END AS document_id,
               CASE digest
                   WHEN 'hourly' THEN (date_trunc('hour', created_at AT TIME ZONE 'Europe/Copenhagen')
                                       + interval '1 hour') AT TIME ZONE 'Europe/Copenhagen'
                   WHEN 'daily' THEN (date_trunc('day', created_at AT TIME ZONE 'Europe/Copenhagen')
                                      + interval '1 day') AT TIME ZONE 'Europe/Copenhagen'
                   ELSE now() END AS due,
               event_id
          FROM batches
    )
    , batched AS (
        SELECT sub, key, min(document_id) AS document_id, array_agg(event_id ORDER BY event_id) AS ids,
               min(due) AS due
          FROM grouped
         GROUP BY sub, key
    )
    -- Events join a delivery only while it is untouched; one that was
    -- tried or sent meanwhile gets a new delivery of its own, so nothing
    -- planned is ever folded into a message that has already gone.
    INSERT INTO minutes.deliveries AS d (subscription_id, key, document_id, event_ids, next_attempt)
    SELECT b.sub,
           CASE WHEN o.id IS NOT NULL AND (o.status <> 'pending' OR o.attempts > 0) THEN b.key || ':' || v_to
                ELSE b.key END,
           b.document_id, b.ids, b.due
      FROM batched b
      LEFT JOIN minutes.deliveries o ON o.key = b.key
    ON CONFLICT (key) DO UPDATE
       SET event_ids = ARRAY(SELECT DISTINCT x FROM unnest(d.event_ids || EXCLUDED.event_ids) x ORDER BY x)
     WHERE d.status = 'pending' AND d.attempts = 0;
    GET DIAGNOSTICS v_n = ROW_COUNT;
    UPDATE minutes.dispatch_state SET last_event_id = v_to WHERE id = 1;
    RETURN v_n;
END;
$$;

-- What one event says, for a message.  A closed item (public = false)
-- carries its number and outcome only: its title and text never leave the
-- database in a message.
CREATE FUNCTION minutes.event_facts(e minutes.events) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_strip_nulls(jsonb_build_object(
        'id', e.id, 'type', e.type, 'at', e.created_at,
        'source', e.payload->>'source', 'error', e.payload->>'error',
        -- a file:// address names a path on this host, gone once the file
        -- is moved, and nobody else's business: the file's name stands in
        'document', (SELECT jsonb_build_object('id', d.id, 'source_name', d.source_name,
                                               'source_uri', CASE WHEN d.source_uri NOT LIKE 'file:%'
                                                                  THEN d.source_uri END,
                                               'kind', d.kind)
                       FROM minutes.documents d WHERE d.id = e.document_id),
        'meeting', (SELECT jsonb_build_object('id', m.id, 'body', m.body, 'date', m.date, 'cluster', m.cluster,
                                              'region', m.region, 'location', v.location)
                      FROM minutes.meetings m LEFT JOIN minutes.versions v ON v.id = m.current_version_id
                     WHERE m.id = e.meeting_id),
        'item', (SELECT jsonb_build_object('id', i.id, 'number', i.number, 'label', i.label, 'public', i.public,
                                           'title', CASE WHEN i.public IS NOT FALSE THEN i.title END,
                                           'recommendation', CASE WHEN i.public IS NOT FALSE THEN i.recommendation END,
                                           'decision', CASE WHEN i.public IS NOT FALSE THEN i.decision_text END,
                                           'outcome', i.outcome)
                   FROM minutes.items i WHERE i.id = e.item_id)));
$$;

-- Up to p_limit deliveries that are due, each as the JSON a message is
-- made from: at most one per recipient, and none for a recipient the
-- caller is still sending to (p_busy: the deliveries in flight) - so a
-- recipient that is slow or down holds one slot, never every slot.
-- Deliveries of a subscription that was cancelled are not sent.
--
-- Each one returned is claimed with a session-level advisory lock, held by
-- the caller's connection until delivery_done: a second daemon on the same
-- database skips it rather than sending it too, and a daemon that dies
-- loses its claims with its connection, so nothing stays claimed.
CREATE FUNCTION minutes.due_deliveries(p_busy bigint[], p_limit integer) RETURNS SETOF jsonb
LANGUAGE plpgsql AS $$
DECLARE
    r   record;
    n   integer := 0;
BEGIN
    IF p_limit <= 0 THEN
        RETURN;
    END IF;
    FOR r IN
        SELECT x.id FROM (
            SELECT DISTINCT ON (s.target) d.id, d.next_attempt
              FROM minutes.deliveries d
              JOIN minutes.subscriptions s ON s.id = d.subscription_id AND s.active
             WHERE d.status = 'pending' AND d.next_attempt <= now()
               AND s.target NOT IN (SELECT s2.target FROM minutes.deliveries d2
                                      JOIN minutes.subscriptions s2 ON s2.id = d2.subscription_id
                                     WHERE d2.id = ANY (coalesce(p_busy, '{}')))
             ORDER BY s.target, d.next_attempt, d.id) x
         ORDER BY x.next_attempt, x.id
    LOOP
        EXIT WHEN n >= p_limit;
        -- already ours (an outcome that could not be recorded): not taken twice,
        -- so the one unlock in delivery_done releases it
        CONTINUE WHEN NOT (EXISTS (SELECT 1 FROM pg_locks
                                    WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND classid = 7355
                                      AND objid = (r.id % 2147483647)::oid AND objsubid = 2)
                           OR pg_try_advisory_lock(7355, (r.id % 2147483647)::integer));
        n := n + 1;
        RETURN NEXT (
            SELECT jsonb_build_object(
                       'id', d.id, 'key', d.key, 'channel', s.channel, 'target', s.target, 'digest', s.digest,
                       'attempts', d.attempts, 'count', cardinality(d.event_ids),
                       'events', (SELECT coalesce(jsonb_agg(minutes.event_facts(e) ORDER BY e.id), '[]')
                                    FROM minutes.events e WHERE e.id = ANY (d.event_ids)))
              FROM minutes.deliveries d JOIN minutes.subscriptions s ON s.id = d.subscription_id
             WHERE d.id = r.id);
    END LOOP;
END;
$$;

-- Records one attempt: acknowledged (p_ok), or failed with p_error and
-- tried again after p_retry_s seconds - unless that was attempt
-- p_max_attempts, after which it stays failed for a person to look at.
-- The claim due_deliveries took is given up.
-- p_count is how many events the message that went out held: should more
-- have joined since (a digest being planned while it was sent), it is not
-- marked sent but goes again at once, the late events included.
CREATE FUNCTION minutes.delivery_done(p_id bigint, p_ok boolean, p_error text, p_retry_s double precision,
                                      p_max_attempts integer, p_count integer) RETURNS text LANGUAGE sql AS $$
    SELECT pg_advisory_unlock(7355, (p_id % 2147483647)::integer) FROM pg_locks
     WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND classid = 7355
       AND objid = (p_id % 2147483647)::oid AND objsubid = 2;
    UPDATE minutes.deliveries
       SET attempts = attempts + 1,
           status = CASE WHEN p_ok AND cardinality(event_ids) <= p_count THEN 'sent'
                         WHEN p_ok THEN 'pending'
                         WHEN attempts + 1 >= p_max_attempts THEN 'failed' ELSE 'pending' END,
           sent_at = CASE WHEN p_ok AND cardinality(event_ids) <= p_count THEN now() END,
           last_error = CASE WHEN p_ok THEN NULL ELSE left(p_error, 1000) END,
           next_attempt = CASE WHEN p_ok THEN now() ELSE now() + make_interval(secs => p_retry_s) END
     WHERE id = p_id AND status = 'pending'
    RETURNING status;
$$;

GRANT SELECT, INSERT ON minutes.subscriptions TO minutes_loader;
GRANT UPDATE (active) ON minutes.subscriptions TO minutes_loader;
GRANT SELECT, INSERT ON minutes.deliveries TO minutes_loader;
GRANT UPDATE (event_ids, status, attempts, next_attempt, last_error, sent_at) ON minutes.deliveries TO minutes_loader;
GRANT SELECT, UPDATE ON minutes.dispatch_state TO minutes_loader;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA minutes TO minutes_loader;
GRANT EXECUTE ON FUNCTION minutes.fold(text), minutes.plan_deliveries(), minutes.event_facts(minutes.events),
    minutes.due_deliveries(bigint[], integer),
    minutes.delivery_done(bigint, boolean, text, double precision, integer, integer) TO minutes_loader;
REVOKE ALL ON FUNCTION minutes.fold(text), minutes.plan_deliveries(), minutes.event_facts(minutes.events),
    minutes.due_deliveries(bigint[], integer),
    minutes.delivery_done(bigint, boolean, text, double precision, integer, integer) FROM PUBLIC;
