-- A counter every change to what makes up a logged-in user (accounts, their roles, the roles'
-- permissions and custom units, the unit tree) moves on, so a process may keep the users it
-- loaded until the counter moves: one query per request instead of six.
CREATE TABLE auth_generation (id INTEGER PRIMARY KEY CHECK (id = 1), n BIGINT NOT NULL);
INSERT INTO auth_generation (id, n) VALUES (1, 0);
CREATE TRIGGER auth_gen_users_i AFTER INSERT ON users BEGIN UPDATE auth_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER auth_gen_users_u AFTER UPDATE ON users BEGIN UPDATE auth_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER auth_gen_users_d AFTER DELETE ON users BEGIN UPDATE auth_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER auth_gen_user_roles_i AFTER INSERT ON user_roles BEGIN UPDATE auth_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER auth_gen_user_roles_u AFTER UPDATE ON user_roles BEGIN UPDATE auth_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER auth_gen_user_roles_d AFTER DELETE ON user_roles BEGIN UPDATE auth_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER auth_gen_roles_i AFTER INSERT ON roles BEGIN UPDATE auth_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER auth_gen_roles_u AFTER UPDATE ON roles BEGIN UPDATE auth_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER auth_gen_roles_d AFTER DELETE ON roles BEGIN UPDATE auth_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER auth_gen_role_permissions_i AFTER INSERT ON role_permissions BEGIN UPDATE auth_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER auth_gen_role_permissions_u AFTER UPDATE ON role_permissions BEGIN UPDATE auth_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER auth_gen_role_permissions_d AFTER DELETE ON role_permissions BEGIN UPDATE auth_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER auth_gen_role_units_i AFTER INSERT ON role_units BEGIN UPDATE auth_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER auth_gen_role_units_u AFTER UPDATE ON role_units BEGIN UPDATE auth_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER auth_gen_role_units_d AFTER DELETE ON role_units BEGIN UPDATE auth_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER auth_gen_units_i AFTER INSERT ON units BEGIN UPDATE auth_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER auth_gen_units_u AFTER UPDATE ON units BEGIN UPDATE auth_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER auth_gen_units_d AFTER DELETE ON units BEGIN UPDATE auth_generation SET n = n + 1 WHERE id = 1; END;
