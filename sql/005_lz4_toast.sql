-- 005: compress the stored text and model with lz4 instead of pglz.
--
-- Every document keeps its decoded text and its model (tens of kilobytes
-- each), and PostgreSQL compresses both on the way into TOAST.  With the
-- default pglz that compression was the largest single cost of storing a
-- document (measured: 0.54 ms of a 2,000-document insert per document, lz4
-- 0.15 ms, same size on disk).  Only new values are affected; old ones are
-- read as they are.  A server built without lz4 (or older than 14) keeps
-- pglz: this is a speed-up, not something the schema depends on.
DO $$
BEGIN
    EXECUTE 'ALTER TABLE minutes.documents ALTER COLUMN raw_text SET COMPRESSION lz4, '
            'ALTER COLUMN model SET COMPRESSION lz4';
EXCEPTION WHEN feature_not_supported OR syntax_error THEN
    RAISE NOTICE 'lz4 compression not available (%): keeping pglz', SQLERRM;
END
$$;
