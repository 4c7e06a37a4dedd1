-- 001: the tables.
--
-- A document is identified by the SHA-256 of its bytes; a meeting by its
-- normalised body and date.  Every document that parses becomes a version of
-- its meeting; the meeting points at its current version, and the facts
-- (participants, items, attachments, amounts, issues) hang off versions, so
-- earlier versions and their items stay queryable after a newer one arrives.
-- The whole model is kept as jsonb beside the relational facts, and the
-- decoded text is kept so `minutesd reparse` can heal old data.

CREATE TABLE minutes.documents (
    id              bigserial PRIMARY KEY,
    sha256          text NOT NULL UNIQUE CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    source_name     text,
    source_uri      text,
    bytes           bigint NOT NULL CHECK (bytes >= 0),
    encoding        text,
    received_at     timestamptz NOT NULL DEFAULT now(),
    loaded_at       timestamptz NOT NULL DEFAULT now(),
    parser_version  text NOT NULL,
    status          text NOT NULL CHECK (status IN ('loaded', 'failed')),
    error           text,
    kind            text CHECK (kind IN ('minutes', 'agenda')),
    layout          text,
    raw_text        text,
    model           jsonb,
    meeting_id      bigint,
    CHECK (status = 'loaded' OR error IS NOT NULL)
);

CREATE TABLE minutes.meetings (
    id                  bigserial PRIMARY KEY,
    body                text NOT NULL,
    body_key            text NOT NULL,
    date                date NOT NULL,
    cluster             text,
    level               text CHECK (level IN ('political', 'strategic')),
    region              text,
    current_version_id  bigint,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (body_key, date)
);

ALTER TABLE minutes.documents
    ADD FOREIGN KEY (meeting_id) REFERENCES minutes.meetings (id);

CREATE TABLE minutes.versions (
    id              bigserial PRIMARY KEY,
    meeting_id      bigint NOT NULL REFERENCES minutes.meetings (id),
    document_id     bigint NOT NULL REFERENCES minutes.documents (id),
    version         integer NOT NULL CHECK (version > 0),
    kind            text NOT NULL CHECK (kind IN ('minutes', 'agenda')),
    title           text,
    start_time      time,
    end_time        time,
    location        text,
    chair           text,
    extraordinary   boolean NOT NULL DEFAULT false,
    parser_version  text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (meeting_id, version)
);

-- Deferred: a meeting row is created before its first version exists.
ALTER TABLE minutes.meetings
    ADD FOREIGN KEY (current_version_id) REFERENCES minutes.versions (id)
    DEFERRABLE INITIALLY DEFERRED;

CREATE TABLE minutes.participants (
    id              bigserial PRIMARY KEY,
    version_id      bigint NOT NULL REFERENCES minutes.versions (id),
    position        integer NOT NULL,
    name            text NOT NULL,
    role            text,
    organization    text,
    party           text,
    member_group    text CHECK (member_group IN ('member', 'observer', 'advisor', 'secretariat', 'guest')),
    present         boolean NOT NULL,
    note            text,
    UNIQUE (version_id, position)
);

CREATE TABLE minutes.items (
    id                  bigserial PRIMARY KEY,
    version_id          bigint NOT NULL REFERENCES minutes.versions (id),
    meeting_id          bigint NOT NULL REFERENCES minutes.meetings (id),
    position            integer NOT NULL,
    number              integer,
    label               text NOT NULL,
    title               text,
    kind                text CHECK (kind IN ('decision', 'information', 'discussion')),
    public              boolean,
    case_ref            text,
    doc_ref             text,
    duration_minutes    integer,
    recommendation      text,
    decision_text       text,
    outcome             text CHECK (outcome IN ('approved', 'noted', 'discussed', 'rejected', 'postponed', 'other')),
    absent              text[] NOT NULL DEFAULT '{}',
    -- Danish full-text over what a reader searches for: the title and the
    -- decision weigh most, then the recommendation.
    fts                 tsvector GENERATED ALWAYS AS (
                            setweight(to_tsvector('danish', coalesce(title, '')), 'A') ||
                            setweight(to_tsvector('danish', coalesce(decision_text, '')), 'A') ||
                            setweight(to_tsvector('danish', coalesce(recommendation, '')), 'B')) STORED,
    UNIQUE (version_id, position),
    CHECK ((decision_text IS NULL) = (outcome IS NULL))
);

CREATE TABLE minutes.attachments (
    id          bigserial PRIMARY KEY,
    item_id     bigint NOT NULL REFERENCES minutes.items (id),
    position    integer NOT NULL,
    title       text NOT NULL,
    doc_ref     text,
    UNIQUE (item_id, position)
);

CREATE TABLE minutes.amounts (
    id          bigserial PRIMARY KEY,
    item_id     bigint NOT NULL REFERENCES minutes.items (id),
    position    integer NOT NULL,
    dkk         bigint NOT NULL,
    text        text NOT NULL,
    UNIQUE (item_id, position)
);

CREATE TABLE minutes.issues (
    id          bigserial PRIMARY KEY,
    version_id  bigint NOT NULL REFERENCES minutes.versions (id),
    severity    text NOT NULL CHECK (severity IN ('error', 'warning')),
    code        text NOT NULL,
    message     text NOT NULL,
    item_number integer,
    line        integer
);

-- The outbox.  Ids are taken in commit order (see minutes.emit_events), so a
-- listener that saw id N has seen every event below N: `listen --since N`
-- never misses one that committed late.  No foreign keys: events are a log
-- that outlives what they mention, and FK checks would take locks at commit.
CREATE SEQUENCE minutes.events_id_seq;
CREATE TABLE minutes.events (
    id          bigint PRIMARY KEY,
    type        text NOT NULL CHECK (type IN ('document_loaded', 'document_failed', 'meeting_added', 'item_added',
                                              'item_removed', 'decision_appeared', 'decision_changed')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    document_id bigint,
    meeting_id  bigint,
    item_id     bigint,
    payload     jsonb NOT NULL
);
ALTER SEQUENCE minutes.events_id_seq OWNED BY minutes.events.id;

-- The big values (a document's text and model, item texts) are compressed
-- with lz4 where the server has it: pglz, the default, made compression the
-- bottleneck of loading (bench/bench_load.c).  A server without lz4 keeps pglz.
DO $$
BEGIN
    ALTER TABLE minutes.documents ALTER COLUMN raw_text SET COMPRESSION lz4,
                                  ALTER COLUMN model SET COMPRESSION lz4;
    ALTER TABLE minutes.items ALTER COLUMN recommendation SET COMPRESSION lz4,
                              ALTER COLUMN decision_text SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
    RAISE NOTICE 'lz4 compression not available; using pglz';
END $$;

-- What reporting and the loader look things up by.
CREATE INDEX documents_meeting_idx ON minutes.documents (meeting_id);
CREATE INDEX documents_failed_idx ON minutes.documents (id) WHERE status = 'failed';
CREATE INDEX documents_parser_idx ON minutes.documents (parser_version);
CREATE INDEX meetings_date_idx ON minutes.meetings (date DESC);
CREATE INDEX meetings_cluster_idx ON minutes.meetings (cluster, date DESC);
CREATE INDEX meetings_region_idx ON minutes.meetings (region, date DESC);
CREATE INDEX versions_document_idx ON minutes.versions (document_id);
CREATE INDEX items_meeting_idx ON minutes.items (meeting_id);
CREATE INDEX items_decided_idx ON minutes.items (version_id) WHERE decision_text IS NOT NULL;
CREATE INDEX items_fts_idx ON minutes.items USING gin (fts);
CREATE INDEX items_case_idx ON minutes.items (case_ref) WHERE case_ref IS NOT NULL;
CREATE INDEX issues_version_idx ON minutes.issues (version_id);
CREATE INDEX events_document_idx ON minutes.events (document_id);
