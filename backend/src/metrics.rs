//! Prometheus metrics in the text exposition format, kept by hand: a few counters and one
//! histogram do not justify a metrics framework.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// Upper bounds (seconds) of the request duration histogram.
const DURATION_BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Distinct GraphQL operation names kept before further names are counted as `other`:
/// operation names come from clients and must not grow the label set without bound.
const MAX_OPERATION_NAMES: usize = 200;

#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// (method, route, status) -> count
    requests: BTreeMap<(String, String, u16), u64>,
    /// (method, route) -> histogram
    durations: BTreeMap<(String, String), Histogram>,
    /// (operation, outcome) -> count
    graphql: BTreeMap<(String, &'static str), u64>,
}

#[derive(Debug, Default)]
struct Histogram {
    buckets: [u64; DURATION_BUCKETS.len()],
    sum: f64,
    count: u64,
}

/// How a GraphQL operation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Error,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Error => "error",
        }
    }
}

impl Metrics {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Counters stay usable after a panic elsewhere; at worst one increment is lost.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts one HTTP request. `route` is the matched pattern (`/graphql`), never the raw path.
    pub fn observe_http(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let mut inner = self.lock();
        *inner
            .requests
            .entry((method.to_owned(), route.to_owned(), status))
            .or_default() += 1;
        let histogram = inner
            .durations
            .entry((method.to_owned(), route.to_owned()))
            .or_default();
        let seconds = elapsed.as_secs_f64();
        for (bucket, bound) in histogram.buckets.iter_mut().zip(DURATION_BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
        histogram.sum += seconds;
        histogram.count += 1;
    }

    /// Counts one GraphQL operation by its name (`anonymous` when it has none).
    pub fn observe_graphql(&self, operation: Option<&str>, outcome: Outcome) {
        let mut inner = self.lock();
        let name = match operation {
            Some(name) if is_sane_label(name) => name,
            Some(_) => "invalid",
            None => "anonymous",
        };
        let known = inner
            .graphql
            .contains_key(&(name.to_owned(), outcome.as_str()))
            || inner.graphql.len() < MAX_OPERATION_NAMES * 2;
        let name = if known { name } else { "other" };
        *inner
            .graphql
            .entry((name.to_owned(), outcome.as_str()))
            .or_default() += 1;
    }

    /// The text exposition format (`text/plain; version=0.0.4`).
    pub fn render(&self) -> String {
        let inner = self.lock();
        let mut out = String::new();
        out.push_str("# HELP handoff_build_info The running Handoff version.\n");
        out.push_str("# TYPE handoff_build_info gauge\n");
        let _ = writeln!(
            out,
            "handoff_build_info{{version=\"{}\"}} 1",
            env!("CARGO_PKG_VERSION")
        );

        out.push_str("# HELP handoff_http_requests_total HTTP requests handled, by method, route and status.\n");
        out.push_str("# TYPE handoff_http_requests_total counter\n");
        for ((method, route, status), count) in &inner.requests {
            let _ = writeln!(
                out,
                "handoff_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {count}",
                escape(method),
                escape(route)
            );
        }

        out.push_str(
            "# HELP handoff_http_request_duration_seconds Time to answer an HTTP request.\n",
        );
        out.push_str("# TYPE handoff_http_request_duration_seconds histogram\n");
        for ((method, route), histogram) in &inner.durations {
            let labels = format!("method=\"{}\",route=\"{}\"", escape(method), escape(route));
            for (bound, count) in DURATION_BUCKETS.iter().zip(histogram.buckets) {
                let _ = writeln!(
                    out,
                    "handoff_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "handoff_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                histogram.count
            );
            let _ = writeln!(
                out,
                "handoff_http_request_duration_seconds_sum{{{labels}}} {}",
                histogram.sum
            );
            let _ = writeln!(
                out,
                "handoff_http_request_duration_seconds_count{{{labels}}} {}",
                histogram.count
            );
        }

        out.push_str("# HELP handoff_graphql_operations_total GraphQL operations executed over HTTP, by operation name and outcome.\n");
        out.push_str("# TYPE handoff_graphql_operations_total counter\n");
        for ((operation, outcome), count) in &inner.graphql {
            let _ = writeln!(
                out,
                "handoff_graphql_operations_total{{operation=\"{}\",outcome=\"{outcome}\"}} {count}",
                escape(operation)
            );
        }
        out
    }
}

fn is_sane_label(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Label value escaping of the exposition format.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_by_route_and_status() {
        let metrics = Metrics::new();
        metrics.observe_http("POST", "/graphql", 200, Duration::from_millis(20));
        metrics.observe_http("POST", "/graphql", 200, Duration::from_millis(700));
        let text = metrics.render();
        assert!(text.contains(
            "handoff_http_requests_total{method=\"POST\",route=\"/graphql\",status=\"200\"} 2"
        ));
        assert!(text.contains(
            "handoff_http_request_duration_seconds_bucket{method=\"POST\",route=\"/graphql\",le=\"0.025\"} 1"
        ));
        assert!(text.contains(
            "handoff_http_request_duration_seconds_bucket{method=\"POST\",route=\"/graphql\",le=\"+Inf\"} 2"
        ));
    }

    #[test]
    fn hostile_operation_names_do_not_become_labels() {
        let metrics = Metrics::new();
        metrics.observe_graphql(Some("x\"} 1\nevil"), Outcome::Error);
        metrics.observe_graphql(None, Outcome::Ok);
        let text = metrics.render();
        assert!(text.contains(
            "handoff_graphql_operations_total{operation=\"invalid\",outcome=\"error\"} 1"
        ));
        assert!(text.contains(
            "handoff_graphql_operations_total{operation=\"anonymous\",outcome=\"ok\"} 1"
        ));
    }
}
