-- 003: reporting views and the two roles.
--
-- minutes_loader is what the daemon works as: it reads and appends, updates
-- only what loading updates (a meeting's current version, a document's
-- status on re-parse), and deletes nothing.  minutes_reader is for reporting
-- and sees the views only, never the raw text or the tables behind them.
-- Both are NOLOGIN groups: grant them to login roles
-- (GRANT minutes_loader TO minutesd), so no password lives in a migration.
-- Roles belong to the whole cluster, so several databases (or two
-- migrators at once) may race to create them: a duplicate is fine.
DO $$
BEGIN
    BEGIN
        CREATE ROLE minutes_loader NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
    BEGIN
        CREATE ROLE minutes_reader NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
END $$;

-- Decisions of every meeting's current version, newest meeting first.
CREATE VIEW minutes.decision_feed AS
SELECT i.id              AS item_id,
       m.id              AS meeting_id,
       m.date,
       m.body,
       m.cluster,
       m.level,
       m.region,
       i.number,
       i.label,
       i.title,
       i.kind,
       i.public,
       i.recommendation,
       i.decision_text,
       i.outcome,
       i.case_ref,
       v.document_id,
       d.source_uri,
       d.loaded_at,
       i.fts
  FROM minutes.meetings m
  JOIN minutes.versions v ON v.id = m.current_version_id
  JOIN minutes.items i ON i.version_id = v.id
  JOIN minutes.documents d ON d.id = v.document_id
 WHERE i.decision_text IS NOT NULL
 ORDER BY m.date DESC, m.id DESC, i.position;

-- One row per meeting: its current version and what it holds.
CREATE VIEW minutes.meeting_overview AS
SELECT m.id              AS meeting_id,
       m.body,
       m.date,
       m.cluster,
       m.level,
       m.region,
       v.version         AS current_version,
       (SELECT count(*) FROM minutes.versions x WHERE x.meeting_id = m.id) AS versions,
       v.kind,
       v.start_time,
       v.end_time,
       v.location,
       v.chair,
       v.extraordinary,
       (SELECT count(*) FROM minutes.items i WHERE i.version_id = v.id) AS items,
       (SELECT count(*) FROM minutes.items i WHERE i.version_id = v.id AND i.decision_text IS NOT NULL) AS decisions,
       ARRAY(SELECT p.name FROM minutes.participants p
              WHERE p.version_id = v.id AND NOT p.present ORDER BY p.position) AS absentees,
       v.document_id,
       m.updated_at
  FROM minutes.meetings m
  JOIN minutes.versions v ON v.id = m.current_version_id;

-- Every amount of money in the current versions, with its item and meeting.
CREATE VIEW minutes.item_amounts AS
SELECT a.id              AS amount_id,
       a.dkk,
       a.text,
       i.id              AS item_id,
       i.number,
       i.title,
       i.outcome,
       m.id              AS meeting_id,
       m.date,
       m.body,
       m.cluster,
       m.region
  FROM minutes.meetings m
  JOIN minutes.items i ON i.version_id = m.current_version_id
  JOIN minutes.amounts a ON a.item_id = i.id;

-- What was received and what became of it (no raw text, no model).
CREATE VIEW minutes.document_log AS
SELECT d.id AS document_id, d.source_name, d.source_uri, d.sha256, d.bytes, d.received_at, d.loaded_at,
       d.status, d.error, d.kind, d.layout, d.parser_version, d.meeting_id,
       (SELECT count(*) FROM minutes.versions v
         JOIN minutes.issues s ON s.version_id = v.id
        WHERE v.document_id = d.id AND s.severity = 'warning') AS warnings
  FROM minutes.documents d;

GRANT USAGE ON SCHEMA minutes TO minutes_loader, minutes_reader;

GRANT SELECT ON ALL TABLES IN SCHEMA minutes TO minutes_loader;
GRANT INSERT ON minutes.documents, minutes.meetings, minutes.versions, minutes.participants, minutes.items,
                minutes.attachments, minutes.amounts, minutes.issues, minutes.events TO minutes_loader;
GRANT UPDATE (meeting_id, model, status, parser_version, loaded_at, error, kind, layout)
    ON minutes.documents TO minutes_loader;
GRANT UPDATE (current_version_id, updated_at, cluster, level, region) ON minutes.meetings TO minutes_loader;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA minutes TO minutes_loader;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA minutes TO minutes_loader;

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA minutes FROM PUBLIC;
GRANT SELECT ON minutes.decision_feed, minutes.meeting_overview, minutes.item_amounts, minutes.document_log
    TO minutes_reader;
