-- 006: web sources - what was fetched from each URL, and how healthy it is.
--
-- One row per URL the daemon polls: the configured sources, and the links
-- it followed from an index page or feed (parent says which).  The HTTP
-- validators (the server's own ETag and Last-Modified strings, sent back
-- verbatim) and the SHA-256 of the last body are what make a restart cheap:
-- the first poll after it is a conditional GET, and a body seen before is
-- not parsed again.  The daemon owns the rows: it keeps them in memory and
-- writes the ones that changed, in one statement per batch, always after
-- the document they describe has committed (so a crash can cost a refetch,
-- never a document).
CREATE TABLE minutes.sources (
    url             text PRIMARY KEY,
    parent          text,
    follow          text,           -- the pattern links were picked with (index pages only)
    etag            text,
    last_modified   text,
    sha256          text CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    -- of the text the last document loaded from it had: a page whose bytes
    -- change on every visit (a timestamp, a token) but whose text does not
    -- is not loaded again
    text_sha256     text CHECK (text_sha256 ~ '^[0-9a-f]{64}$'),
    last_status     integer,
    last_error      text,
    last_attempt    timestamptz,
    last_success    timestamptz,
    last_change     timestamptz,
    next_attempt    timestamptz,    -- backoff and Retry-After survive a restart
    failure_streak  integer NOT NULL DEFAULT 0 CHECK (failure_streak >= 0),
    failing_since   timestamptz,
    failing         boolean NOT NULL DEFAULT false,
    document_id     bigint REFERENCES minutes.documents (id),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sources_parent_idx ON minutes.sources (parent) WHERE parent IS NOT NULL;

ALTER TABLE minutes.events DROP CONSTRAINT events_type_check;
ALTER TABLE minutes.events ADD CONSTRAINT events_type_check
    CHECK (type IN ('document_loaded', 'document_failed', 'meeting_added', 'item_added', 'item_removed',
                    'decision_appeared', 'decision_changed', 'source_failing', 'source_recovered'));

-- Writes the rows in p_rows (a jsonb array of objects keyed like the
-- columns, times as seconds since the epoch) and the source events in
-- p_events (emit_events' format).  One statement, so rows and events commit
-- together: a source_failing event is never lost while its "failing" flag
-- is saved, which is what keeps it from firing twice.
CREATE FUNCTION minutes.save_sources(p_rows jsonb, p_events jsonb) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO minutes.sources AS s (url, parent, follow, etag, last_modified, sha256, text_sha256,
                                      last_status, last_error, last_attempt, last_success, last_change,
                                      next_attempt, failure_streak, failing_since, failing, document_id,
                                      updated_at)
    SELECT r.url, r.parent, r.follow, r.etag, r.last_modified, r.sha256, r.text_sha256, r.last_status,
           left(r.last_error, 1000), to_timestamp(r.last_attempt), to_timestamp(r.last_success),
           to_timestamp(r.last_change), to_timestamp(r.next_attempt), coalesce(r.failure_streak, 0),
           to_timestamp(r.failing_since), coalesce(r.failing, false),
           -- a document id the database no longer knows is not worth failing the batch for
           (SELECT d.id FROM minutes.documents d WHERE d.id = r.document_id), now()
      FROM jsonb_to_recordset(p_rows) AS r(url text, parent text, follow text, etag text, last_modified text,
                                          sha256 text, text_sha256 text, last_status integer, last_error text,
                                          last_attempt double precision, last_success double precision,
                                          last_change double precision, next_attempt double precision,
                                          failure_streak integer, failing_since double precision,
                                          failing boolean, document_id bigint)
    ON CONFLICT (url) DO UPDATE
       SET parent = EXCLUDED.parent, follow = EXCLUDED.follow, etag = EXCLUDED.etag,
           last_modified = EXCLUDED.last_modified, sha256 = EXCLUDED.sha256,
           text_sha256 = EXCLUDED.text_sha256, last_status = EXCLUDED.last_status,
           last_error = EXCLUDED.last_error, last_attempt = EXCLUDED.last_attempt,
           last_success = EXCLUDED.last_success, last_change = EXCLUDED.last_change,
           next_attempt = EXCLUDED.next_attempt, failure_streak = EXCLUDED.failure_streak,
           failing_since = EXCLUDED.failing_since, failing = EXCLUDED.failing,
           document_id = coalesce(EXCLUDED.document_id, s.document_id), updated_at = now();
    RETURN minutes.emit_events(p_events);
END;
$$;

-- For people: each source's health, newest trouble first.
CREATE VIEW minutes.source_health AS
SELECT s.url, s.parent, s.last_attempt, s.last_success, s.last_change, s.next_attempt, s.failure_streak, s.failing,
       s.failing_since, s.last_status, s.last_error, s.document_id,
       (SELECT count(*) FROM minutes.sources l WHERE l.parent = s.url) AS links
  FROM minutes.sources s
 ORDER BY s.failing DESC, s.failure_streak DESC, s.url;

GRANT SELECT, INSERT ON minutes.sources TO minutes_loader;
GRANT UPDATE (parent, follow, etag, last_modified, sha256, text_sha256, last_status, last_error, last_attempt,
              last_success, last_change, next_attempt, failure_streak, failing_since, failing, document_id, updated_at)
    ON minutes.sources TO minutes_loader;
GRANT EXECUTE ON FUNCTION minutes.save_sources(jsonb, jsonb) TO minutes_loader;
REVOKE ALL ON FUNCTION minutes.save_sources(jsonb, jsonb) FROM PUBLIC;
GRANT SELECT ON minutes.source_health TO minutes_reader;
