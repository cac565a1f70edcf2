//! `handoff import`: a CRM export of a few thousand rows through the real binary, against the
//! test's fresh database (SQLite, or PostgreSQL with `HANDOFF_TEST_DB=postgres`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use handoff::entities::{lead_events, leads};
use sea_orm::{ColumnTrait as _, EntityTrait as _, PaginatorTrait as _, QueryFilter as _};

use crate::helpers::{TestApp, spawn_app};

const ROWS: usize = 3000;

/// A scratch directory removed at the end of the test.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("handoff-import-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn handoff(args: &[&str], database_url: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_handoff"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("the handoff binary runs")
}

fn database_url(app: &TestApp) -> String {
    app.state.settings.database.url.clone()
}

/// A HubSpot contacts export: every 100th row lacks its e-mail, rows 125, 375, … have a
/// company size that is no number, rows 333, 833, … an e-mail the intake refuses. Rows with a
/// multiple of 7 carry lifecycle history up to MQL, multiples of 14 up to SQL with their
/// owner, except multiples of 98, which lack the owner. Returns how many rows are bad.
fn hubspot_export(path: &Path) -> usize {
    let mut writer = csv::Writer::from_path(path).unwrap();
    writer
        .write_record([
            "Record ID",
            "First Name",
            "Last Name",
            "Email",
            "Job Title",
            "Company Name",
            "Number of Employees",
            "Industry",
            "Country/Region",
            "State/Region",
            "Original Source",
            "Lead Status",
            "Create Date",
            "Became a Marketing Qualified Lead Date",
            "Became a Sales Qualified Lead Date",
            "Contact owner",
        ])
        .unwrap();
    let mut bad = 0;
    for i in 1..=ROWS {
        let email = if i % 100 == 0 {
            String::new()
        } else if i % 500 == 333 {
            format!("contact {i} at example dot com")
        } else {
            format!("Contact.{i}@Example{}.com", i % 40)
        };
        let size = if i % 250 == 125 {
            "lots".to_owned()
        } else {
            format!("{}", 10 + (i * 37) % 4000)
        };
        // Acceptance needs an owner: rows 98, 196, … reach SQL without one.
        let owner = if i % 14 == 0 && i % 98 != 0 {
            "rep1@handoff.test"
        } else {
            ""
        };
        if i % 100 == 0 || i % 500 == 333 || i % 250 == 125 || i % 98 == 0 {
            bad += 1;
        }
        let (mql, sql) = if i % 7 == 0 {
            (
                "2026-01-10 10:00",
                if i % 14 == 0 { "2026-01-12 15:30" } else { "" },
            )
        } else {
            ("", "")
        };
        writer
            .write_record([
                (100_000 + i).to_string().as_str(),
                "Contact",
                format!("Number {i}").as_str(),
                email.as_str(),
                if i % 3 == 0 {
                    "VP Marketing"
                } else {
                    "Analyst"
                },
                format!("Company {}, Inc.", i % 300).as_str(),
                size.as_str(),
                "Software",
                "United States",
                "CA",
                "ORGANIC_SEARCH",
                "NEW",
                "2026-01-05 09:30",
                mql,
                sql,
                owner,
            ])
            .unwrap();
    }
    writer.flush().unwrap();
    bad
}

#[tokio::test]
async fn a_hubspot_export_of_a_few_thousand_rows_is_imported_with_its_refusals() {
    let app = spawn_app().await;
    let (rep, _) = app.user_with_token("rep1@handoff.test", "REP").await;
    let url = database_url(&app);
    let scratch = Scratch::new();
    let file = scratch.path("contacts.csv");
    let bad = hubspot_export(&file);

    let output = handoff(
        &[
            "import",
            file.to_str().unwrap(),
            "--mapping",
            "hubspot",
            "--batch",
            "700",
        ],
        &url,
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(0),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    let good = ROWS - bad;
    let rejects = scratch.path("contacts.rejected.csv");
    assert!(
        stdout.contains(&format!(
            "read {ROWS} rows: {good} created, 0 updated, {bad} refused"
        )),
        "{stdout}\n{stderr}\n{}",
        std::fs::read_to_string(&rejects)
            .unwrap_or_default()
            .lines()
            .take(12)
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert_eq!(
        leads::Entity::find().count(app.db()).await.unwrap() as usize,
        good
    );

    // The refused rows, with their original columns and a reason.
    let mut reader = csv::Reader::from_path(&rejects).unwrap();
    let header = reader.headers().unwrap().clone();
    assert_eq!(header.len(), 17);
    assert_eq!(&header[0], "Record ID");
    assert_eq!(&header[16], "reason");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), bad);
    let reason_of = |id: usize| {
        rows.iter()
            .find(|r| r[0] == (100_000 + id).to_string())
            .map(|r| r[16].to_owned())
            .unwrap_or_else(|| panic!("row {id} is not in the rejects file"))
    };
    assert!(reason_of(100).starts_with("email:"), "{}", reason_of(100));
    assert!(reason_of(333).starts_with("email:"), "{}", reason_of(333));
    assert!(
        reason_of(125).starts_with("companySize:"),
        "{}",
        reason_of(125)
    );
    assert!(reason_of(98).contains("owner"), "{}", reason_of(98));
    let row_100 = rows.iter().find(|r| &r[0] == "100100").unwrap();
    assert_eq!(&row_100[3], "", "original cells are kept as they were");
    assert_eq!(&row_100[6], "3710");

    // History columns became backfilled events.
    let sql_lead = leads::Entity::find()
        .filter(leads::Column::ExternalId.eq("100014"))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sql_lead.status, "SQL");
    assert_eq!(sql_lead.owner_id.map(|id| id.to_string()), Some(rep));
    assert_eq!(
        sql_lead.mql_at.unwrap().to_rfc3339(),
        "2026-01-10T10:00:00+00:00"
    );
    assert_eq!(
        sql_lead.sql_at.unwrap().to_rfc3339(),
        "2026-01-12T15:30:00+00:00"
    );
    assert_eq!(
        sql_lead.created_at.to_rfc3339(),
        "2026-01-05T09:30:00+00:00"
    );
    assert_eq!(sql_lead.email, "contact.14@example14.com");
    assert_eq!(sql_lead.company_size, Some(528));
    let kinds: Vec<String> = lead_events::Entity::find()
        .filter(lead_events::Column::LeadId.eq(sql_lead.id))
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    for kind in ["created", "mql", "assigned", "accepted", "qualified"] {
        assert!(
            kinds.iter().any(|k| k == kind),
            "{kind} missing in {kinds:?}"
        );
    }

    // Importing again updates instead of duplicating.
    let again = handoff(
        &[
            "import",
            file.to_str().unwrap(),
            "--mapping",
            "hubspot",
            "--rejects",
            scratch.path("second.csv").to_str().unwrap(),
        ],
        &url,
    );
    let stdout = String::from_utf8_lossy(&again.stdout);
    assert_eq!(again.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "read {ROWS} rows: 0 created, {good} updated, {bad} refused"
        )),
        "{stdout}"
    );
    assert_eq!(
        leads::Entity::find().count(app.db()).await.unwrap() as usize,
        good
    );
}

#[tokio::test]
async fn a_custom_toml_mapping_maps_columns_values_and_history() {
    let app = spawn_app().await;
    let url = database_url(&app);
    let scratch = Scratch::new();
    let mapping = scratch.path("mapping.toml");
    std::fs::write(
        &mapping,
        r#"
timezone = "Europe/Berlin"

[fields]
externalId = "id"
email = "mail"
company = "org"
leadType = "form"
occurredAt = "signed up"

[values.leadType]
"Demo" = "demo_request"
"Ebook" = "content_download"

[defaults]
leadType = "other"
source = "trade_show"

[[events]]
column = "lost on"
kinds = ["disqualified"]
reason_column = "lost because"
"#,
    )
    .unwrap();
    let file = scratch.path("leads.csv");
    std::fs::write(
        &file,
        "id,mail,org,form,signed up,lost on,lost because\n\
         a1,ann@acme.test,Acme,Demo,05.01.2026 10:00,,\n\
         a2,bob@acme.test,Acme,Ebook,2026-01-05 10:00,2026-01-20 12:00,competitor\n\
         a3,cyd@acme.test,Acme,,2026-01-05 10:00,,\n",
    )
    .unwrap();
    // The first row's date needs a format the mapping does not have.
    let output = handoff(
        &[
            "import",
            file.to_str().unwrap(),
            "--mapping",
            mapping.to_str().unwrap(),
        ],
        &url,
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("read 3 rows: 2 created, 0 updated, 1 refused"),
        "{stdout}"
    );
    let rejected = std::fs::read_to_string(scratch.path("leads.rejected.csv")).unwrap();
    assert!(
        rejected.contains("a1,") && rejected.contains("occurredAt:"),
        "{rejected}"
    );

    let app = &app;
    let row = |external: &'static str| async move {
        leads::Entity::find()
            .filter(leads::Column::ExternalId.eq(external))
            .one(app.db())
            .await
            .unwrap()
            .unwrap()
    };
    let bob = row("a2").await;
    assert_eq!(bob.lead_type, "content_download");
    assert_eq!(bob.source.as_deref(), Some("trade_show"));
    assert_eq!(bob.status, "DISQUALIFIED");
    assert_eq!(bob.disqualify_reason.as_deref(), Some("competitor"));
    // 10:00 in Berlin in January is 09:00 UTC.
    assert_eq!(bob.created_at.to_rfc3339(), "2026-01-05T09:00:00+00:00");
    assert_eq!(row("a3").await.lead_type, "other");
}

#[tokio::test]
async fn bad_arguments_exit_with_code_2_and_one_line() {
    let app = spawn_app().await;
    let url = database_url(&app);
    let scratch = Scratch::new();
    let file = scratch.path("x.csv");
    std::fs::write(&file, "Lead ID,Company\n1,Acme\n").unwrap();
    let bad_toml = scratch.path("bad.toml");
    std::fs::write(&bad_toml, "[fields]\nemial = \"Email\"\n").unwrap();
    let missing = scratch.path("missing.csv");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["import", missing.to_str().unwrap(), "--mapping", "hubspot"],
            "cannot read",
        ),
        (
            vec!["import", file.to_str().unwrap(), "--mapping", "pipedrive"],
            "--mapping",
        ),
        (
            vec![
                "import",
                file.to_str().unwrap(),
                "--mapping",
                bad_toml.to_str().unwrap(),
            ],
            "emial",
        ),
        (
            vec!["import", file.to_str().unwrap(), "--mapping", "salesforce"],
            "email",
        ),
        (
            vec![
                "import",
                file.to_str().unwrap(),
                "--mapping",
                "salesforce",
                "--batch",
                "0",
            ],
            "--batch",
        ),
        (vec!["import", file.to_str().unwrap()], "required"),
    ];
    for (args, needle) in cases {
        let output = handoff(&args, &url);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: {stderr}");
    }
}
