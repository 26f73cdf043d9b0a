-- The second factor (TOTP with HMAC-SM3): the shared secret sealed with SM4 ('' = not bound) and
-- the time step of the last code accepted, so no code is accepted twice.
ALTER TABLE users ADD COLUMN totp_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_step BIGINT NOT NULL DEFAULT 0;
