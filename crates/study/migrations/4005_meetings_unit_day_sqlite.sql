-- Nothing on SQLite: a prison's five years' export there took 80 ms with the province's database
-- (see the PostgreSQL file of this number).
SELECT 1;
