//! `spawn_app`: the production `Application` on a free port, with its own fresh database.

use std::path::PathBuf;
use std::sync::{Arc, LazyLock};

use chrono::Utc;
use handoff::clock::ManualClock;
use handoff::configuration::{AdminSettings, Settings};
use handoff::startup::Application;
use handoff::state::AppState;
use sea_orm::{ConnectOptions, ConnectionTrait as _, Database, DatabaseConnection};
use serde_json::{Value, json};

pub const ADMIN_EMAIL: &str = "admin@handoff.test";
pub const ADMIN_PASSWORD: &str = "first-admin-password";

/// Logs go to stdout with `TEST_LOG=1`, nowhere otherwise.
static TRACING: LazyLock<()> = LazyLock::new(|| {
    if std::env::var_os("TEST_LOG").is_some() {
        let _ = handoff::telemetry::init_with_writer(false, "info", std::io::stdout);
    } else {
        let _ = handoff::telemetry::init_with_writer(false, "info", std::io::sink);
    }
});

/// A running server and what a test needs to talk to it.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`
    pub address: String,
    pub port: u16,
    pub client: reqwest::Client,
    /// The server's own state: database pool, event bus, settings.
    pub state: AppState,
    /// The server's clock; it stands still unless a test moves it.
    pub clock: Arc<ManualClock>,
    /// Held for its `Drop`, which removes the database.
    _database: TestDatabase,
}

impl TestApp {
    pub fn db(&self) -> &DatabaseConnection {
        &self.state.db
    }

    /// POSTs a GraphQL operation and returns the JSON response (asserting HTTP 200).
    pub async fn graphql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("POST /graphql");
        assert_eq!(response.status(), 200, "POST /graphql status");
        response.json().await.expect("a JSON GraphQL response")
    }

    /// Logs in and returns the raw response.
    pub async fn login(&self, email: &str, password: &str) -> Value {
        self.graphql(
            None,
            "mutation($email: String!, $password: String!) { login(email: $email, password: $password) { token user { id email role } } }",
            json!({ "email": email, "password": password }),
        )
        .await
    }

    /// Logs in and returns the token, failing the test otherwise.
    pub async fn token_for(&self, email: &str, password: &str) -> String {
        let response = self.login(email, password).await;
        response["data"]["login"]["token"]
            .as_str()
            .unwrap_or_else(|| panic!("login as {email} failed: {response}"))
            .to_owned()
    }

    pub async fn admin_token(&self) -> String {
        self.token_for(ADMIN_EMAIL, ADMIN_PASSWORD).await
    }

    /// Creates a user through the API (as the first admin) and returns the response's `data`.
    pub async fn create_user(&self, input: Value) -> Value {
        let admin = self.admin_token().await;
        let response = self
            .graphql(Some(&admin), CREATE_USER, json!({ "input": input }))
            .await;
        assert!(
            response["errors"].is_null(),
            "createUser failed: {response}"
        );
        response["data"]["createUser"].clone()
    }

    /// Creates a user with a password and role, logs them in, and returns (id, token).
    pub async fn user_with_token(&self, email: &str, role: &str) -> (String, String) {
        let password = "a-good-password";
        let user = self
            .create_user(
                json!({ "email": email, "name": email, "password": password, "role": role }),
            )
            .await;
        let id = user["id"].as_str().expect("user id").to_owned();
        (id, self.token_for(email, password).await)
    }
}

pub const CREATE_USER: &str = "mutation($input: UserInput!) { createUser(input: $input) { id email name role timezone outOfOffice team { id name } manager { id } } }";

/// `errors[0].extensions.code` of a response.
pub fn error_code(response: &Value) -> &str {
    response["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no error code in {response}"))
}

/// `errors[0].extensions.field` of a response.
pub fn error_field(response: &Value) -> &str {
    response["errors"][0]["extensions"]["field"]
        .as_str()
        .unwrap_or_else(|| panic!("no error field in {response}"))
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Like [`spawn_app`], letting the test adjust the settings first.
pub async fn spawn_app_with(customise: impl FnOnce(&mut Settings)) -> TestApp {
    LazyLock::force(&TRACING);
    let database = TestDatabase::create().await;
    let mut settings = Settings::with_database_url(database.url());
    settings.bind = "127.0.0.1:0".to_owned();
    settings.static_dir = std::env::temp_dir().join("handoff-tests-no-frontend");
    settings.admin = AdminSettings {
        email: Some(ADMIN_EMAIL.to_owned()),
        password: Some(ADMIN_PASSWORD.to_owned()),
    };
    // Tests move the clock by hand and look at exactly what their own calls did; those about
    // the scheduler switch it on (or call `sla::scheduler::fire_due` themselves).
    settings.sla_scheduler = false;
    // Likewise the weekly digest (`notify::digest::fire_due`) and the report facts
    // (`reports::facts::settle`).
    settings.weekly_digest = false;
    settings.report_facts = false;
    customise(&mut settings);

    let clock = Arc::new(ManualClock::new(Utc::now()));
    let app = Application::build_with_clock(settings, clock.clone())
        .await
        .expect("the application builds");
    let port = app.port();
    let state = app.state().clone();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        client: reqwest::Client::new(),
        state,
        clock,
        _database: database,
    }
}

/// The test's own database, removed when the test ends.
enum TestDatabase {
    Sqlite { path: PathBuf },
    Postgres { server_url: String, name: String },
}

impl TestDatabase {
    async fn create() -> Self {
        if std::env::var("HANDOFF_TEST_DB").is_ok_and(|kind| kind.eq_ignore_ascii_case("postgres"))
            && let Some(database) = Self::create_postgres().await
        {
            return database;
        }
        let path = std::env::temp_dir().join(format!("handoff-test-{}.db", uuid::Uuid::new_v4()));
        Self::Sqlite { path }
    }

    /// A fresh database on the test server; `None` (SQLite instead) when the server cannot be
    /// reached, except on CI, where that fails the test.
    async fn create_postgres() -> Option<Self> {
        let server_url = std::env::var("HANDOFF_TEST_PG_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned())
            .trim_end_matches('/')
            .to_owned();
        let name = format!("handoff_t_{}", uuid::Uuid::new_v4().simple());
        let admin = match connect_admin(&server_url).await {
            Ok(admin) => admin,
            Err(error) => {
                if std::env::var("CI").is_ok_and(|ci| ci == "true") {
                    panic!(
                        "HANDOFF_TEST_DB=postgres but PostgreSQL at {server_url} is unreachable: {error}"
                    );
                }
                eprintln!(
                    "PostgreSQL at {server_url} is unreachable ({error}); this test runs on SQLite"
                );
                return None;
            }
        };
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("CREATE DATABASE");
        let _ = admin.close().await;
        Some(Self::Postgres { server_url, name })
    }

    fn url(&self) -> String {
        match self {
            Self::Sqlite { path } => format!("sqlite://{}?mode=rwc", path.display()),
            Self::Postgres { server_url, name } => format!("{server_url}/{name}"),
        }
    }
}

async fn connect_admin(server_url: &str) -> Result<DatabaseConnection, sea_orm::DbErr> {
    let mut options = ConnectOptions::new(format!("{server_url}/postgres"));
    options
        .max_connections(1)
        .connect_timeout(std::time::Duration::from_secs(5))
        .sqlx_logging(false);
    Database::connect(options).await
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match self {
            Self::Sqlite { path } => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut file = path.clone().into_os_string();
                    file.push(suffix);
                    let _ = std::fs::remove_file(file);
                }
            }
            Self::Postgres { server_url, name } => {
                let (server_url, name) = (server_url.clone(), name.clone());
                // Best effort, on a thread of its own: Drop cannot await, and the test's runtime
                // may be shutting down.
                let dropped = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .ok()?;
                    runtime.block_on(async {
                        let admin = connect_admin(&server_url).await.ok()?;
                        admin
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                            ))
                            .await
                            .ok()?;
                        let _ = admin.close().await;
                        Some(())
                    })
                });
                let _ = dropped.join();
            }
        }
    }
}

/// A second server process on the database of `first` (as a second `handoff serve` would be),
/// with its own event bus and live feed. It never removes the database: `first` does.
pub struct SecondApp {
    pub port: u16,
    pub state: AppState,
}

/// Starts a [`SecondApp`] on `first`'s database.
pub async fn spawn_second_app(first: &TestApp) -> SecondApp {
    let mut settings = Settings::with_database_url(first.state.settings.database.url.clone());
    settings.bind = "127.0.0.1:0".to_owned();
    settings.static_dir = std::env::temp_dir().join("handoff-tests-no-frontend");
    settings.admin = AdminSettings {
        email: Some(ADMIN_EMAIL.to_owned()),
        password: Some(ADMIN_PASSWORD.to_owned()),
    };
    settings.sla_scheduler = false;
    settings.weekly_digest = false;
    settings.report_facts = false;
    let app = Application::build_with_clock(settings, first.clock.clone())
        .await
        .expect("the second application builds");
    let port = app.port();
    let state = app.state().clone();
    tokio::spawn(app.run_until_stopped());
    SecondApp { port, state }
}

/// A real SMTP server on loopback (`e2e/smtp_sink.py`, Python's aiosmtpd) writing each message
/// it accepts as a JSON line; stopped when dropped.
pub struct SmtpSink {
    pub port: u16,
    file: PathBuf,
    child: std::process::Child,
}

impl SmtpSink {
    /// Starts the sink on a free port. The Python is `HANDOFF_TEST_PYTHON`, else the venv that
    /// `scripts/install-deps.sh` makes (`.tools/python`), else `python3`.
    pub async fn start() -> Self {
        use std::io::BufRead as _;
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let python = std::env::var_os("HANDOFF_TEST_PYTHON")
            .map(PathBuf::from)
            .or_else(|| {
                let venv = root.join(".tools/python/bin/python");
                venv.exists().then_some(venv)
            })
            .unwrap_or_else(|| PathBuf::from("python3"));
        let file =
            std::env::temp_dir().join(format!("handoff-smtp-{}.jsonl", uuid::Uuid::new_v4()));
        let mut child = std::process::Command::new(&python)
            .arg(root.join("e2e/smtp_sink.py"))
            .arg("0")
            .arg(&file)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {} e2e/smtp_sink.py: {e}", python.display()));
        let stdout = child.stdout.take().unwrap();
        let line = tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            std::io::BufReader::new(stdout)
                .read_line(&mut line)
                .map(|_| line)
        })
        .await
        .unwrap()
        .unwrap_or_default();
        let Some(port) = line
            .trim()
            .strip_prefix("READY ")
            .and_then(|p| p.parse().ok())
        else {
            let output = child.wait_with_output().unwrap();
            panic!(
                "the SMTP sink did not start ({}): {}\nIs aiosmtpd installed? Run scripts/install-deps.sh or set HANDOFF_TEST_PYTHON to a Python with aiosmtpd.",
                python.display(),
                String::from_utf8_lossy(&output.stderr)
            );
        };
        Self { port, file, child }
    }

    /// `smtp://127.0.0.1:<port>`
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, in order.
    pub fn messages(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.file)
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.file);
    }
}

/// A request the loopback HTTP server got.
#[derive(Debug, Clone)]
pub struct Hit {
    pub path: String,
    pub signature: String,
    pub body: Value,
}

/// A loopback HTTP server answering 200 to every POST, recording it.
pub struct Receiver {
    pub base: String,
    hits: std::sync::Arc<std::sync::Mutex<Vec<Hit>>>,
}

impl Receiver {
    pub fn start(secret: &'static str) -> Self {
        let hits: std::sync::Arc<std::sync::Mutex<Vec<Hit>>> = Arc::default();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let recorded = hits.clone();
        let server = actix_web::HttpServer::new(move || {
            let recorded = recorded.clone();
            actix_web::App::new().default_service(actix_web::web::to(
                move |request: actix_web::HttpRequest, body: actix_web::web::Bytes| {
                    let recorded = recorded.clone();
                    async move {
                        let signature = request
                            .headers()
                            .get(handoff::integrations::signature::SIGNATURE_HEADER)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_owned();
                        let raw = body.to_vec();
                        assert!(
                            signature.is_empty()
                                || signature
                                    == handoff::integrations::signature::sign(secret, &raw),
                            "bad signature {signature}"
                        );
                        recorded.lock().unwrap().push(Hit {
                            path: request.path().to_owned(),
                            signature,
                            body: serde_json::from_slice(&raw).unwrap(),
                        });
                        actix_web::HttpResponse::Ok().body("ok")
                    }
                },
            ))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        Self {
            base: format!("http://127.0.0.1:{port}"),
            hits,
        }
    }

    pub fn hits(&self, path: &str) -> Vec<Hit> {
        self.hits
            .lock()
            .unwrap()
            .iter()
            .filter(|h| h.path == path)
            .cloned()
            .collect()
    }
}

/// Polls `check` every 50 ms for up to 10 s.
pub async fn eventually<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    for _ in 0..200 {
        if let Some(value) = check() {
            return value;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}
