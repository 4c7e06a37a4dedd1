-- 008: the path from a dropped file to its NOTIFY, shortened.
--
-- 1. A document that arrives alone is loaded, its events written and the
--    transaction committed by one statement.
--
-- A batch costs BEGIN, one round trip per document, emit_events and COMMIT.
-- For the usual daemon case - one file dropped, nothing else waiting -
-- those are four round trips and the events' JSON sent back and parsed a
-- second time, about a sixth of the time from the drop to the NOTIFY.  The
-- loader sends this function outside a transaction block instead, so the
-- statement is its own transaction: all of the document or none of it, as
-- before, and emit_events still takes its lock last and holds it through
-- the commit that ends the statement, so event ids stay visible in order.
-- A refused document ("error") has written nothing; the loader then
-- records it as failed the same way.
CREATE FUNCTION minutes.load_document_alone(p_sha256 text, p_name text, p_uri text, p_bytes bigint,
                                            p_encoding text, p_received timestamptz, p_parser text, p_raw text,
                                            p_model jsonb, p_body_key text, p_error text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    r jsonb;
BEGIN
    r := minutes.load_document(p_sha256, p_name, p_uri, p_bytes, p_encoding, p_received, p_parser, p_raw,
                               p_model, p_body_key, p_error);
    IF r->>'status' IN ('loaded', 'failed') THEN
        PERFORM minutes.emit_events(r->'events');
    END IF;
    RETURN r;
END;
$$;

GRANT EXECUTE ON FUNCTION minutes.load_document_alone(text, text, text, bigint, text, timestamptz, text, text,
                                                      jsonb, text, text) TO minutes_loader;
REVOKE ALL ON FUNCTION minutes.load_document_alone(text, text, text, bigint, text, timestamptz, text, text,
                                                   jsonb, text, text) FROM PUBLIC;

-- 2. Events are written by one statement and NOTIFYed by one statement-level
--    trigger.  002 inserted them one at a time, each firing a row trigger
--    that ran its own NOTIFY: about 80 us per event, so most of a
--    millisecond for a ten-decision minutes.  Same rows, same ids in the
--    same order, same payloads, still under the lock taken last.
--
-- The ids follow the array's order: nextval() is volatile, and PostgreSQL
-- evaluates volatile output columns after the ORDER BY sort (since 9.6),
-- so the sequence is drawn in that order.  The trigger sends the
-- notifications in id order; a transaction delivers its NOTIFYs in the
-- order they were sent.
CREATE OR REPLACE FUNCTION minutes.emit_events(p_events jsonb) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_last bigint;
BEGIN
    IF p_events IS NULL OR jsonb_array_length(p_events) = 0 THEN
        RETURN 0;
    END IF;
    PERFORM pg_advisory_xact_lock(7354, 1);   -- (7354, 0) is the migrations lock
    WITH ordered AS (
        SELECT nextval('minutes.events_id_seq') AS id, x AS e
          FROM jsonb_array_elements(p_events) WITH ORDINALITY AS t(x, n)
         ORDER BY n
    ), ins AS (
        INSERT INTO minutes.events (id, type, document_id, meeting_id, item_id, payload)
        SELECT id, e->>'type', (e->>'document_id')::bigint, (e->>'meeting_id')::bigint,
               (e->>'item_id')::bigint, e - 'type'
          FROM ordered
        RETURNING id
    )
    SELECT max(id) INTO v_last FROM ins;
    RETURN v_last;
END;
$$;

CREATE FUNCTION minutes.events_notify_statement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Cannot be over the limit with event_payload's truncations, but a
    -- NOTIFY over it would fail the whole load: then the id, the row has the rest.
    PERFORM pg_notify('minutes_events',
                      CASE WHEN octet_length(v) < 7900 THEN v
                           ELSE jsonb_build_object('id', id, 'type', type, 'truncated', true)::text END)
       FROM (SELECT n.id, n.type, minutes.event_json(n)::text AS v FROM new_events n ORDER BY n.id) s;
    RETURN NULL;
END;
$$;

DROP TRIGGER events_notify ON minutes.events;
DROP FUNCTION minutes.events_notify();
CREATE TRIGGER events_notify AFTER INSERT ON minutes.events REFERENCING NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION minutes.events_notify_statement();
REVOKE ALL ON FUNCTION minutes.events_notify_statement() FROM PUBLIC;
