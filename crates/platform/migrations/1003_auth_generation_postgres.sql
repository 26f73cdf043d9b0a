-- A counter every change to what makes up a logged-in user (accounts, their roles, the roles'
-- permissions and custom units, the unit tree) moves on, so a process may keep the users it
-- loaded until the counter moves: one query per request instead of six.
CREATE TABLE auth_generation (id INTEGER PRIMARY KEY CHECK (id = 1), n BIGINT NOT NULL);
INSERT INTO auth_generation (id, n) VALUES (1, 0);
CREATE FUNCTION auth_generation_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE auth_generation SET n = n + 1 WHERE id = 1;
  RETURN NULL;
END $$;
CREATE TRIGGER auth_gen_users AFTER INSERT OR UPDATE OR DELETE ON users FOR EACH STATEMENT EXECUTE FUNCTION auth_generation_bump();
CREATE TRIGGER auth_gen_user_roles AFTER INSERT OR UPDATE OR DELETE ON user_roles FOR EACH STATEMENT EXECUTE FUNCTION auth_generation_bump();
CREATE TRIGGER auth_gen_roles AFTER INSERT OR UPDATE OR DELETE ON roles FOR EACH STATEMENT EXECUTE FUNCTION auth_generation_bump();
CREATE TRIGGER auth_gen_role_permissions AFTER INSERT OR UPDATE OR DELETE ON role_permissions FOR EACH STATEMENT EXECUTE FUNCTION auth_generation_bump();
CREATE TRIGGER auth_gen_role_units AFTER INSERT OR UPDATE OR DELETE ON role_units FOR EACH STATEMENT EXECUTE FUNCTION auth_generation_bump();
CREATE TRIGGER auth_gen_units AFTER INSERT OR UPDATE OR DELETE ON units FOR EACH STATEMENT EXECUTE FUNCTION auth_generation_bump();
