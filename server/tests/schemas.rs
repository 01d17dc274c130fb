//! The two migration folders (`app/migrations/sqlite`, `app/migrations/postgres`) must build
//! the same schema in meaning: the same tables and columns, each column of the same kind and
//! nullability, the same indexes. Each set runs on a fresh database of its own kind (the
//! PostgreSQL one on `DESKCHAT_TEST_POSTGRES`, else the local server every machine has), and
//! the catalogues are compared.
mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::*;
use sqlx::migrate::Migrator;
use sqlx::Row;

/// Full-text search of records is each backend's own, on purpose: PostgreSQL has a GIN index
/// over a tsvector, SQLite an FTS5 table (with the shadow tables FTS5 makes, `ticket_search_*`).
const POSTGRES_ONLY_INDEX: &str = "tickets_search";
const SQLITE_ONLY_TABLE: &str = "ticket_search";

/// A column as both backends can say it: table, column, kind, nullable.
type Column = (String, String, &'static str, bool);

/// The kind of a declared column type, across the two backends' names for it.
fn kind(declared: &str) -> &'static str {
    let t = declared.to_ascii_lowercase();
    if t.contains("int") || t.contains("serial") {
        "integer"
    } else if t.contains("char") || t.contains("text") {
        "text"
    } else if t.contains("blob") || t.contains("bytea") {
        "bytes"
    } else if t.contains("real") || t.contains("double") || t.contains("float") || t.contains("numeric") {
        "number"
    } else if t.contains("bool") {
        "boolean"
    } else if t.is_empty() {
        "untyped"
    } else {
        panic!("a column type this test does not know: {declared}")
    }
}

fn migrations(backend: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../app/migrations").join(backend)
}

async fn sqlite_schema() -> (BTreeSet<Column>, BTreeSet<String>) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("schema.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    Migrator::new(migrations("sqlite")).await.unwrap().run(&pool).await.unwrap();
    let rows = sqlx::query(
        "SELECT m.name AS tbl, p.name AS col, p.type AS ty, p.\"notnull\" AS nn, p.pk AS pk \
         FROM sqlite_master m JOIN pragma_table_xinfo(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%' \
         AND m.name <> $1 AND m.name NOT LIKE $1 || '\\_%' ESCAPE '\\'",
    )
    .bind(SQLITE_ONLY_TABLE)
    .fetch_all(&pool)
    .await
    .unwrap();
    // A primary key column cannot be NULL in either (SQLite's catalogue just does not say so).
    let columns = rows
        .iter()
        .map(|r| {
            let not_null = r.get::<i64, _>("nn") != 0 || r.get::<i64, _>("pk") != 0;
            (r.get("tbl"), r.get("col"), kind(&r.get::<String, _>("ty")), !not_null)
        })
        .collect();
    let indexes = sqlx::query("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex%'")
        .fetch_all(&pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get("name"))
        .collect();
    (columns, indexes)
}

async fn postgres_schema() -> (BTreeSet<Column>, BTreeSet<String>) {
    let database = TestDatabase::create(&postgres_server_url()).await;
    let pool = sqlx::PgPool::connect(&database.url()).await.unwrap();
    Migrator::new(migrations("postgres")).await.unwrap().run(&pool).await.unwrap();
    let rows = sqlx::query(
        "SELECT table_name::text AS tbl, column_name::text AS col, data_type::text AS ty, is_nullable::text AS nullable \
         FROM information_schema.columns WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let columns = rows
        .iter()
        .map(|r| (r.get("tbl"), r.get("col"), kind(&r.get::<String, _>("ty")), r.get::<String, _>("nullable") == "YES"))
        .collect();
    // Primary keys and UNIQUE constraints make indexes of their own (`…_pkey`, `…_key`) where
    // SQLite makes `sqlite_autoindex_…`: both are left out.
    let indexes = sqlx::query(
        "SELECT indexname::text AS name FROM pg_indexes WHERE schemaname = 'public' \
         AND indexname NOT LIKE '%\\_pkey' AND indexname NOT LIKE '%\\_key' AND tablename NOT LIKE '\\_sqlx%'",
    )
    .fetch_all(&pool)
    .await
    .unwrap()
    .iter()
    .map(|r| r.get("name"))
    .filter(|name: &String| name != POSTGRES_ONLY_INDEX)
    .collect();
    pool.close().await;
    (columns, indexes)
}

#[tokio::test]
async fn both_migration_folders_build_the_same_schema() {
    let (sqlite_columns, sqlite_indexes) = sqlite_schema().await;
    let (postgres_columns, postgres_indexes) = postgres_schema().await;
    assert!(sqlite_columns.len() > 50, "the catalogue was read: {sqlite_columns:?}");
    let only_sqlite: Vec<_> = sqlite_columns.difference(&postgres_columns).collect();
    let only_postgres: Vec<_> = postgres_columns.difference(&sqlite_columns).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "the schemas differ (table, column, kind, nullable):\n  SQLite only:     {only_sqlite:?}\n  PostgreSQL only: {only_postgres:?}"
    );
    assert_eq!(sqlite_indexes, postgres_indexes, "the indexes differ");
}
