//! Starting and stopping real processes: the `handoff` binary, the SMTP sink, and a database.

use std::collections::HashMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub const ADMIN_EMAIL: &str = "admin@processes.test";
pub const ADMIN_PASSWORD: &str = "processes-admin-password";

/// The repository root (the sink script lives in `e2e/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A scratch directory removed at drop.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("handoff-{name}-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn wait_for_port(port: u16, what: &str, child: &mut Child, log: &Path) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "{what} exited with {status} before listening:\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        assert!(
            Instant::now() < deadline,
            "{what} did not listen on {port} within 60 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits until `handoff serve` on `port` answers `GET /healthz` with 200: true. False when it
/// exited because the port was taken meanwhile; a panic for any other exit or after 60 s.
fn wait_for_health(port: u16, child: &mut Child, log: &Path) -> bool {
    use std::io::{Read as _, Write as _};

    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            let text = std::fs::read_to_string(log).unwrap_or_default();
            if text.contains("cannot listen on") || text.contains("in use") {
                return false;
            }
            panic!("handoff serve exited with {status} before it was healthy:\n{text}");
        }
        let answer = std::net::TcpStream::connect(("127.0.0.1", port)).and_then(|mut stream| {
            stream.set_read_timeout(Some(Duration::from_secs(5)))?;
            stream.write_all(
                b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
            )?;
            let mut answer = String::new();
            stream.read_to_string(&mut answer)?;
            Ok(answer)
        });
        if answer.is_ok_and(|a| a.starts_with("HTTP/1.1 200")) {
            return true;
        }
        assert!(
            Instant::now() < deadline,
            "handoff serve was not healthy on {port} within 60 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A real SMTP server on loopback that writes every message it accepts as a JSON line.
pub struct SmtpSink {
    child: Child,
    pub port: u16,
    file: PathBuf,
}

impl SmtpSink {
    pub fn start(dir: &Path) -> Self {
        let python = std::env::var("HANDOFF_TEST_PYTHON").unwrap_or_else(|_| "python3".to_owned());
        let port = free_port();
        let file = dir.join(format!("mail-{port}.jsonl"));
        let log = dir.join(format!("sink-{port}.log"));
        let mut child = Command::new(&python)
            .arg(root().join("e2e/smtp_sink.py"))
            .arg(port.to_string())
            .arg(&file)
            // The sink stops when its stdin closes: with this process, whatever happens.
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start the SMTP sink with {python}: {e} (run scripts/install-deps.sh)"
                )
            });
        wait_for_port(
            port,
            "the SMTP sink (aiosmtpd; run scripts/install-deps.sh)",
            &mut child,
            &log,
        );
        Self { child, port, file }
    }

    /// Every message received so far.
    pub fn messages(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.file)
            .unwrap_or_default()
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect()
    }

    /// How many times each Message-ID arrived.
    pub fn deliveries(&self) -> HashMap<String, usize> {
        let mut seen = HashMap::new();
        for message in self.messages() {
            let id = message["message_id"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            *seen.entry(id).or_insert(0) += 1;
        }
        seen
    }

    /// Waits until `expected` distinct messages arrived and nothing more came for a second.
    pub fn settle(&self, expected: usize, within: Duration) -> HashMap<String, usize> {
        self.settle_or_quiet(expected, within, within)
    }

    /// [`SmtpSink::settle`], giving up early once nothing has arrived for `quiet`.
    pub fn settle_or_quiet(
        &self,
        expected: usize,
        quiet: Duration,
        within: Duration,
    ) -> HashMap<String, usize> {
        let deadline = Instant::now() + within;
        let mut last = (0, Instant::now());
        loop {
            let seen = self.deliveries();
            let total: usize = seen.values().sum();
            if total != last.0 {
                last = (total, Instant::now());
            }
            if seen.len() >= expected && last.1.elapsed() > Duration::from_secs(1) {
                return seen;
            }
            if Instant::now() > deadline || last.1.elapsed() > quiet {
                return seen;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A database for the processes: a SQLite file, or a fresh PostgreSQL database when
/// `HANDOFF_TEST_DB=postgres`.
pub struct Database {
    pub url: String,
    postgres: Option<(String, String)>,
}

pub fn postgres_wanted() -> bool {
    std::env::var("HANDOFF_TEST_DB").is_ok_and(|kind| kind.eq_ignore_ascii_case("postgres"))
}

impl Database {
    pub async fn sqlite(dir: &Path) -> Self {
        Self {
            url: format!("sqlite://{}?mode=rwc", dir.join("handoff.db").display()),
            postgres: None,
        }
    }

    pub async fn postgres() -> Self {
        use sea_orm::ConnectionTrait as _;
        let server = std::env::var("HANDOFF_TEST_PG_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned())
            .trim_end_matches('/')
            .to_owned();
        let name = format!("handoff_p_{}", uuid::Uuid::new_v4().simple());
        let admin = sea_orm::Database::connect(format!("{server}/postgres"))
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {server} is unreachable: {e}"));
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        admin.close().await.unwrap();
        Self {
            url: format!("{server}/{name}"),
            postgres: Some((server, name)),
        }
    }

    pub async fn drop_now(self) {
        use sea_orm::ConnectionTrait as _;
        if let Some((server, name)) = &self.postgres
            && let Ok(admin) = sea_orm::Database::connect(format!("{server}/postgres")).await
        {
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await;
            let _ = admin.close().await;
        }
    }
}

/// A `handoff serve` process.
pub struct Server {
    child: Child,
    pub port: u16,
    pub base: String,
    pub log: PathBuf,
}

impl Server {
    pub fn start(
        dir: &Path,
        database_url: &str,
        smtp_port: Option<u16>,
        env: &[(&str, &str)],
    ) -> Self {
        // A port picked free may be taken by another test's process before the server binds
        // it: then the server exits, and it is started again on another port.
        for _ in 0..5 {
            let port = free_port();
            let log = dir.join(format!("server-{port}.log"));
            let mut command = Command::new(env!("CARGO_BIN_EXE_handoff"));
            command
                .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
                .env("DATABASE_URL", database_url)
                .env("HANDOFF_ADMIN_EMAIL", ADMIN_EMAIL)
                .env("HANDOFF_ADMIN_PASSWORD", ADMIN_PASSWORD)
                .env("HANDOFF_STATIC_DIR", dir.join("no-frontend"))
                .env("HANDOFF_PUBLIC_URL", "http://handoff.test")
                .env(
                    "RUST_LOG",
                    std::env::var("PROCESS_LOG").unwrap_or_else(|_| "info".to_owned()),
                )
                .stdin(Stdio::null())
                .stdout(std::fs::File::create(&log).unwrap())
                .stderr(std::fs::OpenOptions::new().append(true).open(&log).unwrap());
            if let Some(smtp) = smtp_port {
                command.env("SMTP_URL", format!("smtp://127.0.0.1:{smtp}"));
            }
            for (key, value) in env {
                command.env(key, value);
            }
            let mut child = command.spawn().unwrap();
            if wait_for_health(port, &mut child, &log) {
                return Self {
                    child,
                    port,
                    base: format!("http://127.0.0.1:{port}"),
                    log,
                };
            }
        }
        panic!("handoff serve found no free port in 5 tries");
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL: no shutdown, no flush, whatever was in flight is cut off.
    pub fn kill_9(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// What a failure report needs of the log: its warnings and errors, and how many mails it
    /// counted as sent (the full log of a burst is thousands of lines).
    pub fn log_summary(&self) -> String {
        let text = self.log_text();
        let sent = text.matches("notification sent").count();
        let notable: Vec<&str> = text
            .lines()
            .filter(|line| line.contains(" WARN ") || line.contains(" ERROR "))
            .collect();
        let tail: Vec<&str> = text.lines().rev().take(15).collect();
        format!(
            "{sent} notifications logged as sent; {} warnings and errors:\n{}\n... last lines:\n{}",
            notable.len(),
            notable
                .iter()
                .take(60)
                .copied()
                .collect::<Vec<_>>()
                .join("\n"),
            tail.into_iter().rev().collect::<Vec<_>>().join("\n"),
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A GraphQL client for one server.
pub struct Api {
    pub base: String,
    client: reqwest::Client,
    pub token: Option<String>,
}

impl Api {
    pub async fn admin(server: &Server) -> Self {
        let mut api = Self {
            base: server.base.clone(),
            client: reqwest::Client::new(),
            token: None,
        };
        let login = api
            .call(
                "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
                json!({ "e": ADMIN_EMAIL, "p": ADMIN_PASSWORD }),
            )
            .await;
        api.token = Some(login["login"]["token"].as_str().unwrap().to_owned());
        api
    }

    /// Runs an operation and returns `data`, failing on errors.
    pub async fn call(&self, query: &str, variables: Value) -> Value {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.base))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let response: Value = request.send().await.unwrap().json().await.unwrap();
        assert!(response["errors"].is_null(), "{query}: {response}");
        response["data"].clone()
    }
}

/// An organisation for SLA runs: `reps` reps without a manager (so every notification of a
/// lead goes to its rep), a 24/7 UTC calendar, and a FIRST_RESPONSE policy for demo requests
/// of `target_seconds` notifying at `percents` (then the breach).
pub async fn sla_organisation(api: &Api, reps: usize, target_seconds: i64, percents: &[u32]) {
    let weekly: Vec<Value> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .map(|day| json!({ "day": day, "open": "00:00", "close": "24:00" }))
        .collect();
    let calendar = api
        .call(
            "mutation($input: NamedCalendarInput!) { upsertBusinessCalendar(input: $input) { id } }",
            json!({ "input": { "name": "Always", "calendar": { "timezone": "UTC", "weekly": weekly } } }),
        )
        .await;
    api.call(
        "mutation($input: SlaPolicyInput!) { upsertSlaPolicy(input: $input) { id } }",
        json!({ "input": { "name": "Demo first response", "leadType": "demo_request", "kind": "FIRST_RESPONSE",
                           "targetSeconds": target_seconds, "calendarId": calendar["upsertBusinessCalendar"]["id"],
                           "startOn": "assigned", "notifyAtPercent": percents } }),
    )
    .await;
    for n in 1..=reps {
        api.call(
            "mutation($input: UserInput!) { createUser(input: $input) { id } }",
            json!({ "input": { "email": format!("rep{n}@processes.test"), "name": format!("Rep {n}"),
                               "password": "a-rep-password", "role": "REP" } }),
        )
        .await;
    }
}

/// Ingests `count` demo requests in batches of 1,000 (`prefix` keeps external ids apart).
pub async fn ingest_demo_requests(api: &Api, prefix: &str, count: usize) {
    let mut sent = 0;
    while sent < count {
        let batch: Vec<Value> = (sent..count.min(sent + 1000))
            .map(|n| json!({ "externalId": format!("{prefix}-{n}"), "email": format!("{prefix}{n}@buyer{}.example", n % 97),
                             "company": format!("Buyer {}", n % 97), "leadType": "demo_request" }))
            .collect();
        sent += batch.len();
        let result = api
            .call(
                "mutation($leads: [LeadInput!]!) { ingestLeads(leads: $leads) { created errors { index message } } }",
                json!({ "leads": batch }),
            )
            .await;
        assert_eq!(result["ingestLeads"]["errors"], json!([]), "{result}");
    }
}
