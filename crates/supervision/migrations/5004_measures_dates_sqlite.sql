-- Nothing on SQLite: it compares text bytewise unless told otherwise, and every index holds the
-- row's id (see the PostgreSQL file of this number).
SELECT 1;
