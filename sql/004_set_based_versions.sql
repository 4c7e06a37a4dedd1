-- 004: add_version, set-based.
--
-- 002's add_version ran three INSERTs and a lookup per item, each a separate
-- statement with its own executor start-up; for a ten-item document that
-- was most of the time a load takes (measured: 4.9 ms of 6 ms per document).
-- Here the items, their attachments and their amounts go in with one
-- statement (data-modifying CTEs: the children join their item by
-- position, and the foreign-key checks, which run at the end of the
-- statement, see the items), and the item events are computed by one query
-- against the previous version.  Same signature, same rows, same events in
-- the same order as 002 - the tests compare them.
CREATE OR REPLACE FUNCTION minutes.add_version(p_doc bigint, p_model jsonb, p_body_key text, p_parser text)
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
    v_events    jsonb := '[]';
    v_more      jsonb;
    v_ctx       jsonb;
    v_children  bigint;
BEGIN
    INSERT INTO minutes.meetings (body, body_key, date, cluster, level, region)
    VALUES (coalesce(m->>'body', p_model->>'title', 'unknown body'), p_body_key, (m->>'date')::date, m->>'cluster',
            m->>'level', m->>'region')
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

    WITH src AS (
        SELECT n AS position, e FROM jsonb_array_elements(p_model->'items') WITH ORDINALITY AS t(e, n)
    ), ins AS (
        INSERT INTO minutes.items (version_id, meeting_id, position, number, label, title, kind, public, case_ref,
                                   doc_ref, duration_minutes, recommendation, decision_text, outcome, absent)
        SELECT v_version, v_meeting, s.position, (s.e->>'number')::integer,
               coalesce(s.e->>'label', s.e->>'number', s.position::text), s.e->>'title', s.e->>'kind',
               (s.e->>'public')::boolean, s.e->>'case_ref', s.e->>'doc_ref', (s.e->>'duration_minutes')::integer,
               s.e->>'recommendation', s.e #>> '{decision,text}', s.e #>> '{decision,outcome}',
               coalesce(ARRAY(SELECT jsonb_array_elements_text(s.e->'absent')), '{}')
          FROM src s
        RETURNING id, position
    ), att AS (
        INSERT INTO minutes.attachments (item_id, position, title, doc_ref)
        SELECT ins.id, a.n, a.a->>'title', a.a->>'doc_ref'
          FROM ins JOIN src s USING (position)
         CROSS JOIN LATERAL jsonb_array_elements(s.e->'attachments') WITH ORDINALITY AS a(a, n)
        RETURNING 1
    ), amt AS (
        INSERT INTO minutes.amounts (item_id, position, dkk, text)
        SELECT ins.id, a.n, (a.a->>'dkk')::bigint, a.a->>'text'
          FROM ins JOIN src s USING (position)
         CROSS JOIN LATERAL jsonb_array_elements(s.e->'amounts') WITH ORDINALITY AS a(a, n)
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM att) + (SELECT count(*) FROM amt) INTO v_children;

    v_ctx := jsonb_strip_nulls(jsonb_build_object('body', left(m->>'body', 200), 'date', m->>'date',
                                                  'cluster', m->>'cluster', 'region', m->>'region'));
    IF v_new_mtg THEN
        v_events := v_events || minutes.event_payload('meeting_added', p_doc, v_meeting, NULL, NULL, v_ctx);
    END IF;

    IF v_current THEN
        -- per item, in order: item_added (new label against the previous
        -- version), then decision_appeared / decision_changed
        SELECT coalesce(jsonb_agg(x.ev ORDER BY x.position, x.k), '[]') INTO v_more FROM (
            SELECT i.position, v.k, minutes.event_payload(v.t, p_doc, v_meeting, i.id, s.e, v_ctx) AS ev
              FROM minutes.items i
              JOIN jsonb_array_elements(p_model->'items') WITH ORDINALITY AS s(e, n) ON s.n = i.position
              LEFT JOIN LATERAL (SELECT pi.id, pi.decision_text FROM minutes.items pi
                                  WHERE pi.version_id = v_prev AND pi.label = i.label
                                  ORDER BY pi.position LIMIT 1) p ON true
             CROSS JOIN LATERAL (VALUES
                 (1, CASE WHEN v_prev IS NOT NULL AND p.id IS NULL THEN 'item_added' END),
                 (2, CASE WHEN i.decision_text IS NULL THEN NULL
                          WHEN p.decision_text IS NULL THEN 'decision_appeared'
                          WHEN p.decision_text IS DISTINCT FROM i.decision_text THEN 'decision_changed' END)) AS v(k, t)
             WHERE i.version_id = v_version AND v.t IS NOT NULL) x;
        v_events := v_events || v_more;

        IF v_prev IS NOT NULL THEN
            SELECT coalesce(jsonb_agg(minutes.event_payload('item_removed', p_doc, v_meeting, i.id,
                        jsonb_build_object('number', i.number, 'label', i.label, 'title', i.title, 'public', i.public),
                        v_ctx) ORDER BY i.position), '[]') INTO v_more
              FROM minutes.items i
             WHERE i.version_id = v_prev
               AND NOT EXISTS (SELECT 1 FROM minutes.items j WHERE j.version_id = v_version AND j.label = i.label);
            v_events := v_events || v_more;
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
