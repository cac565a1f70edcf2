//! `cargo bench -p handoff-shared --bench sla`: business-time arithmetic on a typical calendar.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::hint::black_box;

use chrono::{DateTime, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use handoff_shared::sla::{BusinessCalendar, CalendarSpec, WindowSpec};

/// New York, Monday to Friday 09:00-12:00 and 13:00-17:30, with US holidays.
fn typical_calendar() -> BusinessCalendar {
    let mut weekly = Vec::new();
    for day in ["mon", "tue", "wed", "thu", "fri"] {
        weekly.push(WindowSpec::new(day, "09:00", "12:00"));
        weekly.push(WindowSpec::new(day, "13:00", "17:30"));
    }
    let holidays = [
        "2026-01-01",
        "2026-01-19",
        "2026-05-25",
        "2026-07-03",
        "2026-09-07",
        "2026-11-26",
        "2026-12-25",
    ]
    .map(String::from)
    .to_vec();
    let spec = CalendarSpec {
        timezone: "America/New_York".into(),
        weekly,
        holidays,
    };
    BusinessCalendar::parse(&spec).expect("valid calendar")
}

fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .expect("valid instant")
        .with_timezone(&Utc)
}

const FIVE_MINUTES: i64 = 300;
/// 30 business days of 7.5 hours.
const THIRTY_DAYS: i64 = 30 * 27_000;

fn bench(c: &mut Criterion) {
    let calendar = typical_calendar();
    let start = at("2026-03-06T16:59:00-05:00");
    // Warm the year tables, as a running server has them.
    let far = calendar.add(start, THIRTY_DAYS).expect("in range");
    let near = calendar.add(start, FIVE_MINUTES).expect("in range");

    c.bench_function("add 5 minutes", |b| {
        b.iter(|| calendar.add(black_box(start), black_box(FIVE_MINUTES)))
    });
    c.bench_function("add 30 business days", |b| {
        b.iter(|| calendar.add(black_box(start), black_box(THIRTY_DAYS)))
    });
    c.bench_function("elapsed 5 minutes", |b| {
        b.iter(|| calendar.elapsed(black_box(start), black_box(near)))
    });
    c.bench_function("elapsed 30 business days", |b| {
        b.iter(|| calendar.elapsed(black_box(start), black_box(far)))
    });
    c.bench_function("parse + first add (cold tables)", |b| {
        b.iter(|| typical_calendar().add(black_box(start), black_box(FIVE_MINUTES)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
