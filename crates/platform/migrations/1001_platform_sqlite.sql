CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
-- Only the retention purge (which marks itself in audit_head, inside its transaction) deletes.
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN (SELECT purging FROM audit_head WHERE id = 1) = 0
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

CREATE VIRTUAL TABLE search_fts USING fts5(title, words, content='search_docs', content_rowid='id', tokenize='unicode61');
CREATE TRIGGER search_docs_ai AFTER INSERT ON search_docs BEGIN
  INSERT INTO search_fts(rowid, title, words) VALUES (new.id, new.title, new.words);
END;
CREATE TRIGGER search_docs_ad AFTER DELETE ON search_docs BEGIN
  INSERT INTO search_fts(search_fts, rowid, title, words) VALUES ('delete', old.id, old.title, old.words);
END;
CREATE TRIGGER search_docs_au AFTER UPDATE ON search_docs BEGIN
  INSERT INTO search_fts(search_fts, rowid, title, words) VALUES ('delete', old.id, old.title, old.words);
  INSERT INTO search_fts(rowid, title, words) VALUES (new.id, new.title, new.words);
END;
