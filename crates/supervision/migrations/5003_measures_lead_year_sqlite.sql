-- Nothing on SQLite: its OR optimisation already reads a prison's measures of a year through
-- measures_year and the primary key (see the PostgreSQL file of this number).
SELECT 1;
