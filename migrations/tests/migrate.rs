//! The migrations run up, down to nothing and up again, and leave a fresh database holding the
//! defaults of CONTRACT.md section 3, on SQLite and (when `TEST_DATABASE_URL_PG` names a server,
//! e.g. `postgres://postgres@127.0.0.1:5432`) on a throw-away PostgreSQL database.

use std::time::{SystemTime, UNIX_EPOCH};

use handoff_migrations::{Migrator, MigratorTrait, SchemaManager};
use sea_orm_migration::sea_orm::prelude::DateTimeUtc;
use sea_orm_migration::sea_orm::{
    ConnectionTrait, Database, DatabaseConnection, DbErr, QueryResult, SqlErr, Statement,
    TryGetable,
};

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

const TABLES: &[&str] = &[
    "org_settings",
    "business_calendars",
    "teams",
    "users",
    "sessions",
    "api_tokens",
    "lead_types",
    "sla_policies",
    "scoring_rules",
    "routing_rules",
    "routing_cursors",
    "rejection_reasons",
    "domain_lists",
    "accounts",
    "leads",
    "lead_events",
    "sla_clocks",
    "notification_channels",
    "notifications",
    "notification_attempts",
    "inbound_integrations",
    "outbound_webhooks",
    "scheduler_leases",
    "digest_sends",
];

async fn exec(db: &DatabaseConnection, sql: &str) -> Result<(), DbErr> {
    db.execute(Statement::from_string(db.get_database_backend(), sql))
        .await
        .map(|_| ())
}

async fn rows(db: &DatabaseConnection, sql: &str) -> TestResult<Vec<QueryResult>> {
    db.query_all(Statement::from_string(db.get_database_backend(), sql))
        .await
        .map_err(|e| format!("{sql}: {e}").into())
}

/// The first column of every row.
async fn column<T: TryGetable>(db: &DatabaseConnection, sql: &str) -> TestResult<Vec<T>> {
    rows(db, sql)
        .await?
        .iter()
        .map(|row| {
            row.try_get_by_index(0)
                .map_err(|e| format!("{sql}: {e}").into())
        })
        .collect()
}

/// The single value a query returns.
async fn scalar<T: TryGetable>(db: &DatabaseConnection, sql: &str) -> TestResult<T> {
    let mut values = column(db, sql).await?;
    match (values.pop(), values.is_empty()) {
        (Some(value), true) => Ok(value),
        _ => Err(format!("{sql}: expected exactly one row").into()),
    }
}

async fn count(db: &DatabaseConnection, from_where: &str) -> TestResult<i64> {
    scalar(db, &format!("SELECT COUNT(*) FROM {from_where}")).await
}

async fn assert_defaults(db: &DatabaseConnection) -> TestResult {
    assert_eq!(count(db, "lead_types").await?, 6, "six lead types");
    let instant: Vec<String> = column(
        db,
        "SELECT key FROM lead_types WHERE instant_mql ORDER BY key",
    )
    .await?;
    assert_eq!(
        instant,
        ["contact_sales", "demo_request"],
        "instant MQL types"
    );

    assert_eq!(
        count(db, "sla_policies").await?,
        12,
        "two policies per type"
    );
    for (lead_type, seconds) in [
        ("demo_request", 300_i64),
        ("contact_sales", 300),
        ("content_download", 14_400),
        ("webinar", 86_400),
        ("event", 86_400),
        ("other", 86_400),
    ] {
        let target: i64 = scalar(
            db,
            &format!(
                "SELECT target_seconds FROM sla_policies WHERE lead_type = '{lead_type}' \
                 AND kind = 'FIRST_RESPONSE' AND start_on = 'assigned'"
            ),
        )
        .await?;
        assert_eq!(target, seconds, "FIRST_RESPONSE target of {lead_type}");
    }
    assert_eq!(
        count(
            db,
            "sla_policies WHERE kind = 'ACCEPTANCE' AND target_seconds = 14400 \
             AND start_on = 'assigned' AND notify_at_percent = '[50,80]' \
             AND escalate_to_manager AND NOT reassign_on_breach AND active"
        )
        .await?,
        6,
        "ACCEPTANCE 4 h for every type, with the column defaults"
    );

    let threshold: i32 = scalar(db, "SELECT mql_threshold FROM org_settings WHERE id = 1").await?;
    assert_eq!(threshold, 75, "MQL threshold");
    let leakage_days: i32 = scalar(db, "SELECT leakage_days FROM org_settings").await?;
    assert_eq!(leakage_days, 7, "leakage days default");
    let base_url: String = scalar(db, "SELECT app_base_url FROM org_settings").await?;
    assert_eq!(base_url, "http://127.0.0.1:8080", "app base URL default");

    let definition: String = scalar(
        db,
        "SELECT c.definition FROM org_settings o \
         JOIN business_calendars c ON c.id = o.default_calendar_id",
    )
    .await?;
    let definition: serde_json::Value = serde_json::from_str(&definition)?;
    let window = |day: &str| serde_json::json!({"day": day, "open": "09:00", "close": "17:00"});
    assert_eq!(
        definition,
        serde_json::json!({
            "timezone": "UTC",
            "weekly": [window("mon"), window("tue"), window("wed"), window("thu"), window("fri")],
            "holidays": [],
        }),
        "org default calendar"
    );

    assert_eq!(
        count(db, "scoring_rules WHERE active").await?,
        7,
        "scoring rules"
    );
    assert_eq!(
        count(
            db,
            "scoring_rules WHERE field = 'companySize' AND operator = 'between' \
             AND value = '50,5000' AND points = 25"
        )
        .await?,
        1,
        "company size rule"
    );
    let max_pricing: i32 = scalar(
        db,
        "SELECT max_times FROM scoring_rules WHERE engagement = 'pricing_page'",
    )
    .await?;
    assert_eq!(max_pricing, 2, "pricing page counted twice at most");

    let codes: Vec<String> = column(
        db,
        "SELECT code FROM rejection_reasons WHERE active AND recycle_play IS NOT NULL ORDER BY code",
    )
    .await?;
    assert_eq!(
        codes,
        [
            "bad_fit",
            "bad_timing",
            "competitor",
            "duplicate",
            "no_budget",
            "no_response",
            "wrong_contact"
        ],
        "rejection reasons, each with a recycle play"
    );

    assert_eq!(
        count(db, "teams WHERE name = 'default'").await?,
        1,
        "team default"
    );
    assert_eq!(
        count(
            db,
            "routing_rules r JOIN teams t ON t.id = r.team_id WHERE t.name = 'default' \
             AND r.method = 'ROUND_ROBIN' AND r.priority = 1000 AND r.active"
        )
        .await?,
        1,
        "default round-robin rule"
    );

    assert_eq!(
        count(db, "domain_lists WHERE list = 'free_mail'").await?,
        6,
        "free-mail domains"
    );
    assert_eq!(
        count(db, "domain_lists WHERE list = 'disposable'").await?,
        3,
        "disposable domains"
    );

    let created: DateTimeUtc = scalar(
        db,
        "SELECT created_at FROM lead_types WHERE key = 'demo_request'",
    )
    .await?;
    let now = i64::try_from(SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs())?;
    assert!(
        (0..3600).contains(&(now - created.timestamp())),
        "seeded timestamps read back as recent UTC instants, got {created}"
    );
    Ok(())
}

async fn assert_constraints(db: &DatabaseConnection) -> TestResult {
    let duplicate_policy = exec(
        db,
        "INSERT INTO sla_policies \
         (name, lead_type, kind, target_seconds, start_on, created_at, updated_at) \
         SELECT 'again', lead_type, kind, 60, start_on, created_at, updated_at \
         FROM sla_policies WHERE lead_type = 'webinar' AND kind = 'ACCEPTANCE'",
    )
    .await;
    assert!(
        matches!(
            duplicate_policy.as_ref().map_err(DbErr::sql_err),
            Err(Some(SqlErr::UniqueConstraintViolation(_)))
        ),
        "(lead_type, kind) is unique, reported as a unique violation: {duplicate_policy:?}"
    );

    let orphan_session = exec(
        db,
        "INSERT INTO sessions (user_id, token_hash, created_at, expires_at) \
         SELECT 424242, 'abc', created_at, created_at FROM lead_types WHERE key = 'other'",
    )
    .await;
    assert!(
        matches!(
            orphan_session.as_ref().map_err(DbErr::sql_err),
            Err(Some(SqlErr::ForeignKeyConstraintViolation(_)))
        ),
        "foreign keys are enforced: {orphan_session:?}"
    );

    let second_settings = exec(
        db,
        "INSERT INTO org_settings (id, updated_at) SELECT 2, updated_at FROM org_settings",
    )
    .await;
    assert!(
        second_settings.is_err(),
        "org_settings holds the single row id 1"
    );

    let mixed_case = exec(
        db,
        "INSERT INTO users (email, name, role, created_at, updated_at) \
         SELECT 'Ann@Example.com', 'Ann', 'REP', created_at, created_at \
         FROM lead_types WHERE key = 'other'",
    )
    .await;
    assert!(
        mixed_case.is_err(),
        "e-mail addresses are stored lower-case"
    );

    exec(
        db,
        "INSERT INTO domain_lists (id, domain, list) \
         VALUES (5000000000, 'big.example', 'competitor')",
    )
    .await?;
    let big: i64 = scalar(
        db,
        "SELECT id FROM domain_lists WHERE domain = 'big.example'",
    )
    .await?;
    assert_eq!(big, 5_000_000_000, "ids are 64-bit");
    exec(db, "DELETE FROM domain_lists WHERE domain = 'big.example'").await?;
    Ok(())
}

async fn assert_no_tables(db: &DatabaseConnection) -> TestResult {
    let manager = SchemaManager::new(db);
    for table in TABLES {
        assert!(
            !manager.has_table(*table).await?,
            "{table} is dropped by down"
        );
    }
    Ok(())
}

async fn migrate_up_down_up(db: &DatabaseConnection) -> TestResult {
    Migrator::up(db, None).await?;
    assert!(
        Migrator::get_pending_migrations(db).await?.is_empty(),
        "all migrations applied"
    );
    assert_defaults(db).await?;
    assert_constraints(db).await?;

    Migrator::down(db, None).await?;
    assert!(
        Migrator::get_applied_migrations(db).await?.is_empty(),
        "all migrations reverted"
    );
    assert_no_tables(db).await?;

    Migrator::up(db, None).await?;
    assert_defaults(db).await
}

#[tokio::test]
async fn sqlite_migrates_up_down_and_up_again_with_the_defaults() -> TestResult {
    let db = Database::connect("sqlite::memory:").await?;
    migrate_up_down_up(&db).await?;
    db.close().await?;
    Ok(())
}

#[tokio::test]
async fn postgres_migrates_up_down_and_up_again_with_the_defaults() -> TestResult {
    let Ok(server) = std::env::var("TEST_DATABASE_URL_PG") else {
        eprintln!("TEST_DATABASE_URL_PG is unset: skipping the PostgreSQL migration test");
        return Ok(());
    };
    let server = server.trim_end_matches('/').to_owned();
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH)?.subsec_nanos();
    let name = format!("handoff_migr_{}_{nanos}", std::process::id());

    let admin = Database::connect(format!("{server}/test")).await?;
    exec(&admin, &format!("CREATE DATABASE {name}")).await?;

    // In a task, so that a failed assertion still reaches the clean-up below.
    let url = format!("{server}/{name}");
    let outcome = tokio::spawn(async move {
        let db = Database::connect(url).await?;
        let outcome = migrate_up_down_up(&db).await;
        db.close().await?;
        outcome
    })
    .await;

    exec(
        &admin,
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    )
    .await?;
    admin.close().await?;
    match outcome {
        Ok(result) => result,
        Err(join) => std::panic::resume_unwind(join.into_panic()),
    }
}
