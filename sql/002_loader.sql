-- 002: loading a document, versions and the events they cause.
--
-- The loader is server-side so that one document costs one round trip: the
-- client sends the model (jsonb) and gets back the events it caused.  The
-- events are written by a separate call, minutes.emit_events, made last in
-- the transaction (see there for why).  Every function here is called with
-- parameters (PQexecParams); none builds SQL from its input.

-- An event payload: what a listener needs to decide whether to look closer,
-- well under NOTIFY's 8000-byte limit.  A closed item (public = false) never
-- carries its title.
CREATE FUNCTION minutes.event_payload(p_type text, p_doc bigint, p_meeting bigint, p_item bigint,
                                      p_item_json jsonb, p_extra jsonb)
RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_strip_nulls(jsonb_build_object(
        'type', p_type,
        'document_id', p_doc,
        'meeting_id', p_meeting,
        'item_id', p_item,
        'item_number', (p_item_json->>'number')::integer,
        'label', left(p_item_json->>'label', 32),
        'public', (p_item_json->>'public')::boolean,
        'title', CASE WHEN (p_item_json->>'public')::boolean IS FALSE THEN NULL
                      ELSE left(p_item_json->>'title', 300) END,
        'outcome', p_item_json #>> '{decision,outcome}')) || coalesce(p_extra, '{}');
$$;

-- The document_loaded event: what was loaded, for whom it may concern.
CREATE FUNCTION minutes.loaded_event(p_doc bigint, p_name text, p_sha256 text, p_model jsonb, p_extra jsonb)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT minutes.event_payload('document_loaded', p_doc,
        (SELECT meeting_id FROM minutes.documents WHERE id = p_doc), NULL, NULL,
        jsonb_strip_nulls(jsonb_build_object(
            'name', left(p_name, 200), 'sha256', p_sha256, 'kind', p_model->>'kind',
            'body', left(p_model #>> '{meeting,body}', 200), 'date', p_model #>> '{meeting,date}',
            'items', jsonb_array_length(coalesce(p_model->'items', '[]')))) || coalesce(p_extra, '{}'));
$$;

-- Adds a version of meeting (body_key, date) for document p_doc whose model
-- is p_model, and returns the events it causes as a jsonb array.
--
-- Which version is current: a minutes outranks an agenda, and among equals
-- the later document (higher id) wins - so an agenda that arrives after its
-- minutes, or the re-parse of an old document, is kept as a version without
-- taking the meeting back in time.  Items are compared with the previous
-- current version by label.
CREATE FUNCTION minutes.add_version(p_doc bigint, p_model jsonb, p_body_key text, p_parser text)
RETURNS jsonb LANGUAGE plpgsql
-- Its statements take their values from variables; custom plans would be
-- re-made (and event_payload re-inlined) for every document.
SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    m           jsonb := p_model->'meeting';
    v_kind      text := p_model->>'kind';
    v_meeting   bigint;
    v_new_mtg   boolean := false;
    v_prev      bigint;
    v_prev_kind text;
    v_prev_doc  bigint;
    v_version   bigint;
    v_vno       integer;
    v_current   boolean;
    v_item      bigint;
    v_events    jsonb := '[]';
    v_ctx       jsonb;
    v_prev_item bigint;
    v_prev_dec  text;
    it          record;
    p           record;
BEGIN
    INSERT INTO minutes.meetings (body, body_key, date, cluster, level, region)
    VALUES (coalesce(m->>'body', p_model->>'title', 'unknown body'), p_body_key, (m->>'date')::date, m->>'cluster', m->>'level', m->>'region')
    ON CONFLICT (body_key, date) DO NOTHING
    RETURNING id INTO v_meeting;
    IF v_meeting IS NOT NULL THEN
        v_new_mtg := true;
    ELSE
        -- NO KEY UPDATE: serialises versions of one meeting without blocking
        -- the key-share locks that foreign keys to it take.
        SELECT id INTO STRICT v_meeting FROM minutes.meetings
         WHERE body_key = p_body_key AND date = (m->>'date')::date
           FOR NO KEY UPDATE;
    END IF;

    SELECT v.id, v.kind, v.document_id INTO v_prev, v_prev_kind, v_prev_doc
      FROM minutes.meetings mt JOIN minutes.versions v ON v.id = mt.current_version_id
     WHERE mt.id = v_meeting;
    v_current := v_prev IS NULL
                 OR (v_kind = 'minutes', p_doc) >= (v_prev_kind = 'minutes', v_prev_doc);

    SELECT coalesce(max(version), 0) + 1 INTO v_vno FROM minutes.versions WHERE meeting_id = v_meeting;
    INSERT INTO minutes.versions (meeting_id, document_id, version, kind, title, start_time, end_time,
                                  location, chair, extraordinary, parser_version)
    VALUES (v_meeting, p_doc, v_vno, v_kind, p_model->>'title', (m->>'start')::time, (m->>'end')::time,
            m->>'location', m->>'chair', coalesce((m->>'extraordinary')::boolean, false), p_parser)
    RETURNING id INTO v_version;

    INSERT INTO minutes.participants (version_id, position, name, role, organization, party, member_group,
                                      present, note)
    SELECT v_version, n, e->>'name', e->>'role', e->>'organization', e->>'party', e->>'group',
           coalesce((e->>'present')::boolean, true), e->>'note'
      FROM jsonb_array_elements(p_model->'participants') WITH ORDINALITY AS t(e, n);

    INSERT INTO minutes.issues (version_id, severity, code, message, item_number, line)
    SELECT v_version, e->>'severity', e->>'code', e->>'message', (e->>'item')::integer, (e->>'line')::integer
      FROM jsonb_array_elements(p_model->'issues') AS t(e);

    v_ctx := jsonb_strip_nulls(jsonb_build_object('body', left(m->>'body', 200), 'date', m->>'date',
                                                  'cluster', m->>'cluster', 'region', m->>'region'));
    IF v_new_mtg THEN
        v_events := v_events || minutes.event_payload('meeting_added', p_doc, v_meeting, NULL, NULL, v_ctx);
    END IF;

    FOR it IN SELECT e, n FROM jsonb_array_elements(p_model->'items') WITH ORDINALITY AS t(e, n) LOOP
        INSERT INTO minutes.items (version_id, meeting_id, position, number, label, title, kind, public, case_ref,
                                   doc_ref, duration_minutes, recommendation, decision_text, outcome, absent)
        VALUES (v_version, v_meeting, it.n, (it.e->>'number')::integer,
                coalesce(it.e->>'label', it.e->>'number', it.n::text), it.e->>'title', it.e->>'kind',
                (it.e->>'public')::boolean, it.e->>'case_ref', it.e->>'doc_ref',
                (it.e->>'duration_minutes')::integer, it.e->>'recommendation', it.e #>> '{decision,text}',
                it.e #>> '{decision,outcome}',
                coalesce(ARRAY(SELECT jsonb_array_elements_text(it.e->'absent')), '{}'))
        RETURNING id INTO v_item;

        INSERT INTO minutes.attachments (item_id, position, title, doc_ref)
        SELECT v_item, n, a->>'title', a->>'doc_ref'
          FROM jsonb_array_elements(it.e->'attachments') WITH ORDINALITY AS t(a, n);
        INSERT INTO minutes.amounts (item_id, position, dkk, text)
        SELECT v_item, n, (a->>'dkk')::bigint, a->>'text'
          FROM jsonb_array_elements(it.e->'amounts') WITH ORDINALITY AS t(a, n);

        IF NOT v_current THEN
            CONTINUE;
        END IF;
        v_prev_item := NULL;
        v_prev_dec := NULL;
        IF v_prev IS NOT NULL THEN
            SELECT i.id, i.decision_text INTO v_prev_item, v_prev_dec FROM minutes.items i
             WHERE i.version_id = v_prev
               AND i.label = coalesce(it.e->>'label', it.e->>'number', it.n::text)
             ORDER BY i.position LIMIT 1;
            IF NOT FOUND THEN
                v_events := v_events || minutes.event_payload('item_added', p_doc, v_meeting, v_item, it.e, v_ctx);
            END IF;
        END IF;
        IF it.e #>> '{decision,text}' IS NOT NULL THEN
            IF v_prev_dec IS NULL THEN
                v_events := v_events || minutes.event_payload('decision_appeared', p_doc, v_meeting, v_item,
                                                              it.e, v_ctx);
            ELSIF v_prev_dec IS DISTINCT FROM it.e #>> '{decision,text}' THEN
                v_events := v_events || minutes.event_payload('decision_changed', p_doc, v_meeting, v_item,
                                                              it.e, v_ctx);
            END IF;
        END IF;
    END LOOP;

    IF v_current THEN
        IF v_prev IS NOT NULL THEN
            FOR p IN SELECT i.id, i.number, i.label, i.title, i.public FROM minutes.items i
                      WHERE i.version_id = v_prev
                        AND NOT EXISTS (SELECT 1 FROM minutes.items j
                                         WHERE j.version_id = v_version AND j.label = i.label)
                      ORDER BY i.position LOOP
                v_events := v_events || minutes.event_payload('item_removed', p_doc, v_meeting, p.id,
                    jsonb_build_object('number', p.number, 'label', p.label, 'title', p.title, 'public', p.public),
                    v_ctx);
            END LOOP;
        END IF;
        UPDATE minutes.meetings
           SET current_version_id = v_version, updated_at = now(),
               cluster = coalesce(m->>'cluster', cluster), level = coalesce(m->>'level', level),
               region = coalesce(m->>'region', region)
         WHERE id = v_meeting;
    END IF;

    UPDATE minutes.documents SET meeting_id = v_meeting WHERE id = p_doc;
    RETURN v_events;
END;
$$;

-- Loads one document.  p_model is NULL or has p_error set when the pipeline
-- rejected it: then only the document row (status failed, its reason) and a
-- document_failed event are written.  The same sha256 again returns
-- {"status": "duplicate"} and writes nothing; a concurrent load of the same
-- bytes waits on the unique index and then sees the duplicate.
--
-- Returns {"status": "loaded" | "failed" | "duplicate" | "error", "document_id", "events": […]}.
-- "error" means the database refused the document (a constraint, a trigger,
-- a deadlock): everything it wrote is rolled back (the exception block is a
-- savepoint) and the caller decides between retrying and recording it.
CREATE FUNCTION minutes.load_document(p_sha256 text, p_name text, p_uri text, p_bytes bigint, p_encoding text,
                                      p_received timestamptz, p_parser text, p_raw text, p_model jsonb,
                                      p_body_key text, p_error text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_doc    bigint;
    v_status text := CASE WHEN p_error IS NULL AND p_model IS NOT NULL THEN 'loaded' ELSE 'failed' END;
    v_events jsonb;
    v_state  text;
    v_msg    text;
BEGIN
    BEGIN
        INSERT INTO minutes.documents (sha256, source_name, source_uri, bytes, encoding, received_at,
                                       parser_version, status, error, kind, layout, raw_text, model)
        VALUES (p_sha256, p_name, p_uri, p_bytes, p_encoding, coalesce(p_received, now()), p_parser, v_status,
                CASE WHEN v_status = 'failed' THEN coalesce(p_error, 'not loadable') END,
                p_model->>'kind', p_model->>'layout', p_raw, p_model)
        ON CONFLICT (sha256) DO NOTHING
        RETURNING id INTO v_doc;
        IF v_doc IS NULL THEN
            RETURN jsonb_build_object('status', 'duplicate');
        END IF;

        IF v_status = 'failed' THEN
            v_events := jsonb_build_array(minutes.event_payload('document_failed', v_doc, NULL, NULL, NULL,
                jsonb_strip_nulls(jsonb_build_object('name', left(p_name, 200), 'sha256', p_sha256,
                                                     'error', left(coalesce(p_error, 'not loadable'), 500)))));
        ELSE
            v_events := minutes.add_version(v_doc, p_model, p_body_key, p_parser);
            v_events := jsonb_build_array(minutes.loaded_event(v_doc, p_name, p_sha256, p_model, NULL))
                        || v_events;
        END IF;
        RETURN jsonb_build_object('status', v_status, 'document_id', v_doc, 'events', v_events);
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT;
        RETURN jsonb_build_object('status', 'error', 'sqlstate', v_state, 'message', v_msg);
    END;
END;
$$;

-- Re-parse: gives document p_doc the model the current parser made of its
-- stored text.  An unchanged model only records the parser version; a
-- changed one is stored and, if it loads, becomes a new version of its
-- meeting with the events that follow.  Same return shape as load_document
-- ("unchanged" instead of "duplicate").
CREATE FUNCTION minutes.reload_document(p_doc bigint, p_parser text, p_model jsonb, p_body_key text,
                                        p_error text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_status text := CASE WHEN p_error IS NULL AND p_model IS NOT NULL THEN 'loaded' ELSE 'failed' END;
    v_old    minutes.documents%ROWTYPE;
    v_events jsonb := '[]';
    v_state  text;
    v_msg    text;
BEGIN
    BEGIN
        SELECT * INTO STRICT v_old FROM minutes.documents WHERE id = p_doc FOR UPDATE;
        IF v_old.model IS NOT DISTINCT FROM p_model AND v_old.status = v_status THEN
            UPDATE minutes.documents SET parser_version = p_parser WHERE id = p_doc;
            RETURN jsonb_build_object('status', 'unchanged', 'document_id', p_doc);
        END IF;
        UPDATE minutes.documents
           SET model = p_model, status = v_status, parser_version = p_parser, loaded_at = now(),
               error = CASE WHEN v_status = 'failed' THEN coalesce(p_error, 'not loadable') END,
               kind = p_model->>'kind', layout = p_model->>'layout'
         WHERE id = p_doc;
        IF v_status = 'loaded' THEN
            v_events := minutes.add_version(p_doc, p_model, p_body_key, p_parser);
            v_events := jsonb_build_array(minutes.loaded_event(p_doc, v_old.source_name, v_old.sha256, p_model,
                                                               '{"reparsed": true}')) || v_events;
        ELSIF v_old.status = 'loaded' THEN
            -- A parser that now rejects what it once loaded: say so, keep the
            -- versions already loaded (they were right by the parser of their day).
            v_events := jsonb_build_array(minutes.event_payload('document_failed', p_doc, v_old.meeting_id, NULL,
                NULL, jsonb_build_object('name', left(v_old.source_name, 200), 'reparsed', true,
                                         'error', left(coalesce(p_error, 'not loadable'), 500))));
        END IF;
        RETURN jsonb_build_object('status', v_status, 'document_id', p_doc, 'events', v_events);
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT;
        RETURN jsonb_build_object('status', 'error', 'sqlstate', v_state, 'message', v_msg);
    END;
END;
$$;

-- The JSON of one event, as NOTIFY sends it and `minutesd listen` prints it
-- (one function, so a replayed event and a live one are the same bytes).
CREATE FUNCTION minutes.event_json(e minutes.events)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT e.payload || jsonb_build_object('id', e.id, 'type', e.type, 'at', e.created_at);
$$;

CREATE FUNCTION minutes.events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v text := minutes.event_json(NEW)::text;
BEGIN
    IF octet_length(v) >= 7900 THEN
        -- Cannot happen with the truncations in event_payload, but a NOTIFY
        -- over the limit would fail the whole load: send the id, the row has the rest.
        v := jsonb_build_object('id', NEW.id, 'type', NEW.type, 'truncated', true)::text;
    END IF;
    PERFORM pg_notify('minutes_events', v);
    RETURN NULL;
END;
$$;

CREATE TRIGGER events_notify AFTER INSERT ON minutes.events
    FOR EACH ROW EXECUTE FUNCTION minutes.events_notify();

-- Writes a transaction's events; called last, just before COMMIT.
--
-- Why last, under a lock: a sequence hands out ids in call order, but
-- transactions commit in any order, so without care event 41 could become
-- visible after 42 and a listener resuming "after 42" would never see it.
-- The advisory lock is taken at the very end of the transaction and held
-- through COMMIT, so ids are assigned and made visible in the same order.
-- Taken last, it is never held while waiting for another lock, so it cannot
-- deadlock; it serialises only the few microseconds of writing the events.
CREATE FUNCTION minutes.emit_events(p_events jsonb) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    e      jsonb;
    v_last bigint := 0;
BEGIN
    IF p_events IS NULL OR jsonb_array_length(p_events) = 0 THEN
        RETURN 0;
    END IF;
    PERFORM pg_advisory_xact_lock(7354, 1);   -- (7354, 0) is the migrations lock
    FOR e IN SELECT x FROM jsonb_array_elements(p_events) WITH ORDINALITY AS t(x, n) ORDER BY n LOOP
        INSERT INTO minutes.events (id, type, document_id, meeting_id, item_id, payload)
        VALUES (nextval('minutes.events_id_seq'), e->>'type', (e->>'document_id')::bigint,
                (e->>'meeting_id')::bigint, (e->>'item_id')::bigint, e - 'type')
        RETURNING id INTO v_last;
    END LOOP;
    RETURN v_last;
END;
$$;
