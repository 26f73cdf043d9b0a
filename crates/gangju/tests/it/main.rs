#![allow(clippy::unwrap_used, clippy::expect_used)]

//! Integration tests through the real server and a real database (SQLite, or PostgreSQL when
//! GANGJU_TEST_DATABASE_URL is set). One test binary for the whole product.

mod common;

mod access_matrix;
mod admin_cli;
mod archive;
mod audit_chain;
mod auth;
mod backup_load;
mod bad_input;
mod crash;
mod disk_full;
mod double_submit;
mod exams;
mod export;
mod figures;
mod generate;
mod goals;
mod integrity;
mod integrity_ledgers;
mod kept_reads;
mod ledger;
mod org;
mod org_figures;
mod petitions;
mod routes;
mod safety;
mod scope;
mod second_factor;
mod study;
mod supervision;
mod supervision_letters;
mod training;
mod work_report;
