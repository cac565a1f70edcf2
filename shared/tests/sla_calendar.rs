//! The SLA clock's arithmetic, pinned on hand-checked cases, by properties, and against a naive
//! reference implementation on thousands of random calendars and spans.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use chrono::{DateTime, Duration, Utc};
use handoff_shared::domain::SlaState;
use handoff_shared::sla::{BusinessCalendar, CalendarSpec, ClockState, WindowSpec};

fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .with_timezone(&Utc)
}

fn calendar(timezone: &str, windows: &[(&str, &str, &str)], holidays: &[&str]) -> BusinessCalendar {
    let spec = CalendarSpec {
        timezone: timezone.into(),
        weekly: windows
            .iter()
            .map(|(d, o, c)| WindowSpec::new(d, o, c))
            .collect(),
        holidays: holidays.iter().map(|h| h.to_string()).collect(),
    };
    BusinessCalendar::parse(&spec).unwrap()
}

const WEEKDAYS: [&str; 5] = ["mon", "tue", "wed", "thu", "fri"];
const ALL_DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

fn every_day(timezone: &str, open: &str, close: &str) -> BusinessCalendar {
    let windows: Vec<_> = ALL_DAYS.iter().map(|d| (*d, open, close)).collect();
    calendar(timezone, &windows, &[])
}

fn new_york_office(holidays: &[&str]) -> BusinessCalendar {
    let windows: Vec<_> = WEEKDAYS.iter().map(|d| (*d, "09:00", "17:00")).collect();
    calendar("America/New_York", &windows, holidays)
}

mod pinned {
    use super::*;

    #[test]
    fn friday_one_minute_before_close_plus_four_hours_is_monday_after_dst_started() {
        let cal = new_york_office(&[]);
        // One minute on Friday, 3 h 59 min on Monday; the weekend's DST change does not count.
        let due = cal.add(at("2026-03-06T16:59:00-05:00"), 4 * 3600).unwrap();
        assert_eq!(due, at("2026-03-09T12:59:00-04:00"));
        assert_eq!(
            cal.elapsed(at("2026-03-06T16:59:00-05:00"), due).unwrap(),
            4 * 3600
        );
    }

    #[test]
    fn a_holiday_monday_is_skipped() {
        let cal = new_york_office(&["2026-03-09"]);
        let due = cal.add(at("2026-03-06T16:59:00-05:00"), 4 * 3600).unwrap();
        assert_eq!(due, at("2026-03-10T12:59:00-04:00"));
    }

    #[test]
    fn a_lunch_break_is_not_business_time() {
        let cal = calendar(
            "America/New_York",
            &[
                ("mon", "09:00", "12:00"),
                ("mon", "13:00", "17:30"),
                ("tue", "09:00", "17:30"),
            ],
            &[],
        );
        // 11:30 + 1 h: 30 minutes before lunch, 30 after.
        assert_eq!(
            cal.add(at("2026-03-16T11:30:00-04:00"), 3600).unwrap(),
            at("2026-03-16T13:30:00-04:00")
        );
        // Monday 17:00 + 1 h: 30 minutes on Monday, 30 on Tuesday morning.
        assert_eq!(
            cal.add(at("2026-03-16T17:00:00-04:00"), 3600).unwrap(),
            at("2026-03-17T09:30:00-04:00")
        );
    }

    #[test]
    fn a_duration_ending_exactly_at_a_close_gives_that_close() {
        let cal = new_york_office(&[]);
        assert_eq!(
            cal.add(at("2026-03-16T09:00:00-04:00"), 8 * 3600).unwrap(),
            at("2026-03-16T17:00:00-04:00")
        );
    }

    #[test]
    fn zero_seconds_gives_the_start_even_in_closed_time() {
        let cal = new_york_office(&[]);
        for start in [
            "2026-03-14T03:00:00Z",
            "2026-03-16T14:00:00Z",
            "2026-03-16T21:00:00Z",
        ] {
            assert_eq!(cal.add(at(start), 0).unwrap(), at(start), "{start}");
        }
    }

    #[test]
    fn starting_in_closed_time_waits_for_the_next_opening() {
        let cal = new_york_office(&[]);
        // Saturday night + 5 minutes: Monday 09:05.
        assert_eq!(
            cal.add(at("2026-03-14T23:00:00-04:00"), 300).unwrap(),
            at("2026-03-16T09:05:00-04:00")
        );
    }

    #[test]
    fn a_24_7_calendar_is_wall_clock_time() {
        let cal = every_day("UTC", "00:00", "24:00");
        let start = at("2026-12-31T22:15:30Z");
        assert_eq!(
            cal.add(start, 30 * 86_400).unwrap(),
            start + Duration::days(30)
        );
        assert_eq!(
            cal.elapsed(start, start + Duration::days(400)).unwrap(),
            400 * 86_400
        );
    }

    /// (zone, date, expected business seconds of a 01:00-04:00 window on that date)
    const DST_DAYS: [(&str, &str, i64); 6] = [
        ("America/New_York", "2026-03-08", 2 * 3600),
        ("America/New_York", "2026-11-01", 4 * 3600),
        ("Europe/Berlin", "2026-03-29", 2 * 3600),
        ("Europe/Berlin", "2026-10-25", 4 * 3600),
        ("Australia/Lord_Howe", "2026-10-04", 2 * 3600 + 1800),
        ("Australia/Lord_Howe", "2026-04-05", 3 * 3600 + 1800),
    ];

    #[test]
    fn dst_days_hold_the_real_length_of_a_window() {
        for (zone, date, expected) in DST_DAYS {
            let cal = every_day(zone, "01:00", "04:00");
            let tz: chrono_tz::Tz = zone.parse().unwrap();
            let day = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
            use chrono::TimeZone;
            let noon_before = tz
                .from_local_datetime(&day.pred_opt().unwrap().and_hms_opt(12, 0, 0).unwrap())
                .unwrap();
            let noon_after = tz
                .from_local_datetime(&day.and_hms_opt(12, 0, 0).unwrap())
                .unwrap();
            let elapsed = cal
                .elapsed(
                    noon_before.with_timezone(&Utc),
                    noon_after.with_timezone(&Utc),
                )
                .unwrap();
            assert_eq!(elapsed, expected, "{zone} {date}");
            // And `add` lands on the close of that window when asked for exactly that much.
            let due = cal.add(noon_before.with_timezone(&Utc), expected).unwrap();
            let close = tz
                .from_local_datetime(&day.and_hms_opt(4, 0, 0).unwrap())
                .unwrap();
            assert_eq!(due, close.with_timezone(&Utc), "{zone} {date}");
        }
    }

    #[test]
    fn a_window_opening_inside_the_spring_forward_gap_opens_at_the_shifted_time() {
        // 02:30 does not exist on 2026-03-08 in New York; it reads as 03:30 EDT.
        let cal = every_day("America/New_York", "02:30", "05:00");
        let due = cal.add(at("2026-03-08T00:00:00-05:00"), 60).unwrap();
        assert_eq!(due, at("2026-03-08T03:31:00-04:00"));
        assert_eq!(
            cal.elapsed(
                at("2026-03-08T00:00:00-05:00"),
                at("2026-03-08T12:00:00-04:00")
            )
            .unwrap(),
            5400
        );
        // Lord Howe's gap is 30 minutes: 02:15 reads as 02:45 daylight time.
        let cal = every_day("Australia/Lord_Howe", "02:15", "03:00");
        let due = cal.add(at("2026-10-04T00:00:00+10:30"), 60).unwrap();
        assert_eq!(due, at("2026-10-04T02:46:00+11:00"));
    }

    #[test]
    fn an_ambiguous_fall_back_time_means_its_first_occurrence() {
        // 01:30 happens twice on 2026-11-01 in New York; a window closing then closes the first time.
        let cal = every_day("America/New_York", "00:00", "01:30");
        let elapsed = cal
            .elapsed(
                at("2026-11-01T00:00:00-04:00"),
                at("2026-11-01T12:00:00-05:00"),
            )
            .unwrap();
        assert_eq!(elapsed, 5400);
        // Lord Howe, 2026-04-05: 01:45 first occurs at +11:00.
        let cal = every_day("Australia/Lord_Howe", "01:45", "03:00");
        let due = cal.add(at("2026-04-05T00:00:00+11:00"), 1).unwrap();
        assert_eq!(due, at("2026-04-05T01:45:01+11:00"));
    }

    #[test]
    fn windows_closing_at_midnight_continue_into_the_next_day() {
        let cal = calendar(
            "Europe/Berlin",
            &[("fri", "20:00", "24:00"), ("sat", "00:00", "02:00")],
            &[],
        );
        let due = cal.add(at("2026-03-13T23:00:00+01:00"), 2 * 3600).unwrap();
        assert_eq!(due, at("2026-03-14T01:00:00+01:00"));
    }

    #[test]
    fn fractional_seconds_are_kept() {
        let cal = new_york_office(&[]);
        let start = at("2026-03-16T10:00:00.250-04:00");
        let due = cal.add(start, 10).unwrap();
        assert_eq!(due, at("2026-03-16T10:00:10.250-04:00"));
        assert_eq!(cal.elapsed(start, due).unwrap(), 10);
    }

    #[test]
    fn spans_across_years_add_up() {
        let cal = new_york_office(&["2026-12-25", "2027-01-01"]);
        let start = at("2026-12-24T16:00:00-05:00");
        // Dec 24: 1 h; Dec 28-31: 32 h; Jan 4: 7 h (Jan 1 is a holiday, Jan 2-3 a weekend).
        let due = cal.add(start, 40 * 3600).unwrap();
        assert_eq!(due, at("2027-01-04T16:00:00-05:00"));
        assert_eq!(cal.elapsed(start, due).unwrap(), 40 * 3600);
    }
}

mod validation {
    use super::*;

    fn error_field(timezone: &str, windows: &[(&str, &str, &str)], holidays: &[&str]) -> String {
        let spec = CalendarSpec {
            timezone: timezone.into(),
            weekly: windows
                .iter()
                .map(|(d, o, c)| WindowSpec::new(d, o, c))
                .collect(),
            holidays: holidays.iter().map(|h| h.to_string()).collect(),
        };
        BusinessCalendar::parse(&spec).unwrap_err().field
    }

    #[test]
    fn each_mistake_names_its_field() {
        let ok = ("mon", "09:00", "17:00");
        type Case<'a> = (
            &'a str,
            &'a str,
            Vec<(&'a str, &'a str, &'a str)>,
            Vec<&'a str>,
        );
        let cases: &[Case] = &[
            ("timezone", "Mars/Olympus_Mons", vec![ok], vec![]),
            ("weekly", "UTC", vec![], vec![]),
            (
                "weekly[1].day",
                "UTC",
                vec![ok, ("funday", "09:00", "10:00")],
                vec![],
            ),
            (
                "weekly[0].open",
                "UTC",
                vec![("mon", "9am", "17:00")],
                vec![],
            ),
            (
                "weekly[0].open",
                "UTC",
                vec![("mon", "24:00", "24:00")],
                vec![],
            ),
            (
                "weekly[0].close",
                "UTC",
                vec![("mon", "09:00", "24:30")],
                vec![],
            ),
            (
                "weekly[0].close",
                "UTC",
                vec![("mon", "17:00", "09:00")],
                vec![],
            ),
            (
                "weekly[0].close",
                "UTC",
                vec![("mon", "09:00", "09:00")],
                vec![],
            ),
            (
                "weekly[2]",
                "UTC",
                vec![ok, ("tue", "09:00", "10:00"), ("mon", "16:00", "18:00")],
                vec![],
            ),
            (
                "holidays[1]",
                "UTC",
                vec![ok],
                vec!["2026-12-25", "2026-02-30"],
            ),
        ];
        for (field, tz, windows, holidays) in cases {
            assert_eq!(
                &error_field(tz, windows, holidays),
                field,
                "{tz} {windows:?} {holidays:?}"
            );
        }
    }

    #[test]
    fn touching_windows_are_allowed_and_merge() {
        let cal = calendar(
            "UTC",
            &[("mon", "09:00", "12:00"), ("mon", "12:00", "13:00")],
            &[],
        );
        assert_eq!(
            cal.elapsed(at("2026-03-16T00:00:00Z"), at("2026-03-17T00:00:00Z"))
                .unwrap(),
            4 * 3600
        );
    }

    #[test]
    fn the_contract_json_round_trips() {
        let json = r#"{"timezone":"America/New_York","weekly":[{"day":"mon","open":"09:00","close":"12:00"},
            {"day":"mon","open":"13:00","close":"17:30"},{"day":"tue","open":"09:00","close":"17:30"}],
            "holidays":["2026-12-25","2027-01-01"]}"#;
        let cal = BusinessCalendar::from_json(json).unwrap();
        let again = serde_json::to_string(cal.spec()).unwrap();
        assert_eq!(BusinessCalendar::from_json(&again).unwrap(), cal);
        // Holidays may be left out.
        BusinessCalendar::from_json(
            r#"{"timezone":"UTC","weekly":[{"day":"sun","open":"00:00","close":"24:00"}]}"#,
        )
        .unwrap();
    }

    #[test]
    fn negative_durations_and_reversed_spans_are_refused() {
        let cal = new_york_office(&[]);
        assert_eq!(
            cal.add(at("2026-03-16T10:00:00Z"), -1).unwrap_err().field,
            "seconds"
        );
        assert_eq!(
            cal.elapsed(at("2026-03-16T10:00:00Z"), at("2026-03-16T09:00:00Z"))
                .unwrap_err()
                .field,
            "end"
        );
        assert_eq!(
            cal.add(at("1066-10-14T10:00:00Z"), 1).unwrap_err().field,
            "start"
        );
    }
}

mod clock {
    use super::*;

    #[test]
    fn a_paused_clock_keeps_its_elapsed_time_and_moves_its_due() {
        let cal = new_york_office(&[]);
        let mut clock = ClockState::start(4 * 3600, at("2026-03-16T09:00:00-04:00")).unwrap();
        assert_eq!(
            clock.due_at(&cal).unwrap(),
            Some(at("2026-03-16T13:00:00-04:00"))
        );
        assert_eq!(
            clock.instant_at_percent(&cal, 50).unwrap(),
            Some(at("2026-03-16T11:00:00-04:00"))
        );
        clock.pause(&cal, at("2026-03-16T10:00:00-04:00")).unwrap();
        assert_eq!(
            clock.state(&cal, at("2026-03-16T15:00:00-04:00")).unwrap(),
            SlaState::Paused
        );
        assert_eq!(
            clock
                .elapsed_seconds(&cal, at("2026-03-16T15:00:00-04:00"))
                .unwrap(),
            3600
        );
        clock.resume(at("2026-03-16T16:00:00-04:00")).unwrap();
        // 1 h banked, 3 h left: 1 h today, 2 h tomorrow.
        assert_eq!(
            clock.due_at(&cal).unwrap(),
            Some(at("2026-03-17T11:00:00-04:00"))
        );
        assert!(
            clock.stop(&cal, at("2026-03-17T11:00:00-04:00")).unwrap(),
            "stopping at the due instant is met"
        );
    }

    #[test]
    fn reassignment_keeps_elapsed_business_time_in_the_new_calendar() {
        let new_york = new_york_office(&[]);
        let berlin = calendar(
            "Europe/Berlin",
            &WEEKDAYS.map(|d| (d, "09:00", "17:00")),
            &[],
        );
        let mut clock = ClockState::start(4 * 3600, at("2026-03-16T09:00:00-04:00")).unwrap();
        clock
            .change_calendar(&new_york, at("2026-03-16T12:00:00-04:00"))
            .unwrap();
        // 3 h spent in New York; Berlin is closed at 17:00 CET, so the last hour is tomorrow 09:00-10:00.
        assert_eq!(
            clock.due_at(&berlin).unwrap(),
            Some(at("2026-03-17T10:00:00+01:00"))
        );
        assert_eq!(
            clock
                .elapsed_seconds(&berlin, at("2026-03-17T09:30:00+01:00"))
                .unwrap(),
            3 * 3600 + 1800
        );
    }

    #[test]
    fn a_running_clock_past_due_is_breached_and_stopping_late_is_not_met() {
        let cal = new_york_office(&[]);
        let mut clock = ClockState::start(300, at("2026-03-16T16:58:00-04:00")).unwrap();
        let due = clock.due_at(&cal).unwrap().unwrap();
        assert_eq!(due, at("2026-03-17T09:03:00-04:00"));
        assert_eq!(
            clock.state(&cal, at("2026-03-16T20:00:00-04:00")).unwrap(),
            SlaState::Running
        );
        assert_eq!(
            clock.state(&cal, at("2026-03-17T09:04:00-04:00")).unwrap(),
            SlaState::Breached
        );
        assert_eq!(
            clock
                .remaining_seconds(&cal, at("2026-03-17T09:04:00-04:00"))
                .unwrap(),
            -60
        );
        assert!(!clock.stop(&cal, at("2026-03-17T09:04:00-04:00")).unwrap());
        assert_eq!(
            clock.state(&cal, at("2026-03-18T00:00:00Z")).unwrap(),
            SlaState::Breached
        );
    }
}

/// Properties over a handful of calendars chosen for their awkwardness.
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn calendars() -> Vec<BusinessCalendar> {
        vec![
            new_york_office(&["2026-07-03", "2026-11-26", "2026-12-25"]),
            calendar(
                "Australia/Lord_Howe",
                &[
                    ("mon", "01:00", "04:00"),
                    ("sun", "01:30", "03:00"),
                    ("sun", "20:00", "24:00"),
                    ("wed", "00:00", "24:00"),
                ],
                &["2026-10-07"],
            ),
            every_day("Europe/Berlin", "02:30", "03:15"),
            calendar(
                "Asia/Kathmandu",
                &[("fri", "10:00", "10:01"), ("fri", "11:00", "15:00")],
                &[],
            ),
            every_day("UTC", "00:00", "24:00"),
        ]
    }

    // 2024-01-01 .. 2028-01-01 in seconds.
    fn instants() -> impl Strategy<Value = DateTime<Utc>> {
        (1_704_067_200i64..1_830_297_600, 0u32..1_000_000_000).prop_map(|(s, ns)| {
            DateTime::from_timestamp(s, if ns % 3 == 0 { ns } else { 0 }).unwrap()
        })
    }

    fn durations() -> impl Strategy<Value = i64> {
        prop_oneof![0i64..600, 0i64..86_400, 0i64..(45 * 86_400)]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        #[test]
        fn elapsed_undoes_add(which in 0usize..5, start in instants(), d in durations()) {
            let cal = &calendars()[which];
            let due = cal.add(start, d).unwrap();
            prop_assert!(due >= start);
            prop_assert_eq!(cal.elapsed(start, due).unwrap(), d);
        }

        #[test]
        fn add_is_monotonic(which in 0usize..5, start in instants(), a in durations(), b in durations(), shift in 0i64..200_000) {
            let cal = &calendars()[which];
            let (lo, hi) = (a.min(b), a.max(b));
            prop_assert!(cal.add(start, lo).unwrap() <= cal.add(start, hi).unwrap());
            let later = start + Duration::seconds(shift);
            prop_assert!(cal.add(start, a).unwrap() <= cal.add(later, a).unwrap());
        }

        #[test]
        fn add_is_additive(which in 0usize..5, start in instants(), a in durations(), b in durations()) {
            let cal = &calendars()[which];
            let step = cal.add(cal.add(start, a).unwrap(), b).unwrap();
            prop_assert_eq!(step, cal.add(start, a + b).unwrap());
        }

        #[test]
        fn a_due_instant_is_open_or_a_close(which in 0usize..5, start in instants(), d in 1i64..(20 * 86_400)) {
            let cal = &calendars()[which];
            let due = cal.add(start, d).unwrap();
            let just_before = due - Duration::nanoseconds(1);
            prop_assert!(cal.is_open(due).unwrap() || cal.is_open(just_before).unwrap(), "due {due} lies in closed time");
        }

        #[test]
        fn elapsed_splits_at_any_point(which in 0usize..5, a in instants(), b in instants(), c in instants()) {
            let cal = &calendars()[which];
            let mut v = [a, b, c];
            v.sort();
            let whole = cal.elapsed_nanos(v[0], v[2]).unwrap();
            prop_assert_eq!(whole, cal.elapsed_nanos(v[0], v[1]).unwrap() + cal.elapsed_nanos(v[1], v[2]).unwrap());
        }
    }
}

/// An independent, deliberately naive implementation of the contract's definition, and random
/// calendars and spans to compare the real one against.
mod differential {
    use super::*;
    use chrono::{Datelike, NaiveDate, NaiveDateTime, Offset, TimeZone};
    use chrono_tz::Tz;

    /// splitmix64: a tiny deterministic generator, so a failure reproduces.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
        fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
            &items[self.below(items.len() as u64) as usize]
        }
    }

    const ZONES: [&str; 12] = [
        "America/New_York",
        "Europe/Berlin",
        "Australia/Lord_Howe",
        "UTC",
        "Asia/Kolkata",
        "Pacific/Chatham",
        "America/Santiago",
        "Europe/London",
        "America/St_Johns",
        "Australia/Adelaide",
        "Asia/Tokyo",
        "America/Sao_Paulo",
    ];

    /// Times on a quarter-hour grid, biased to the small hours where DST changes happen.
    fn random_time(rng: &mut Rng) -> u32 {
        if rng.below(2) == 0 {
            rng.below(5 * 4) as u32 * 900
        } else {
            rng.below(24 * 4) as u32 * 900
        }
    }

    struct Reference {
        tz: Tz,
        /// (day 0 = Monday, open seconds, close seconds)
        windows: Vec<(u32, u32, u32)>,
        holidays: Vec<NaiveDate>,
    }

    impl Reference {
        /// The instant of a local wall-clock time, found by trying the offsets in force a day
        /// either side: valid ones are real occurrences (the earliest wins); none means a gap,
        /// read with the offset from before it.
        fn resolve(&self, local: NaiveDateTime) -> i64 {
            let as_utc = local.and_utc().timestamp();
            let offset_at = |utc: i64| {
                let t = DateTime::from_timestamp(utc, 0).unwrap();
                i64::from(
                    self.tz
                        .offset_from_utc_datetime(&t.naive_utc())
                        .fix()
                        .local_minus_utc(),
                )
            };
            let before = offset_at(as_utc - 86_400);
            let after = offset_at(as_utc + 86_400);
            let mut real: Vec<i64> = [before, after]
                .into_iter()
                .map(|o| as_utc - o)
                .filter(|&t| as_utc - offset_at(t) == t)
                .collect();
            real.sort();
            real.first().copied().unwrap_or(as_utc - before)
        }

        /// Every open interval of every local day from `first` to `last`, in UTC, merged.
        fn intervals(&self, first: NaiveDate, last: NaiveDate) -> Vec<(i64, i64)> {
            let mut out = Vec::new();
            let mut day = first;
            while day <= last {
                if !self.holidays.contains(&day) {
                    for &(weekday, open, close) in &self.windows {
                        if weekday == day.weekday().num_days_from_monday() {
                            let midnight = day.and_hms_opt(0, 0, 0).unwrap();
                            let from = self.resolve(midnight + Duration::seconds(i64::from(open)));
                            let to = self.resolve(midnight + Duration::seconds(i64::from(close)));
                            if to > from {
                                out.push((from, to));
                            }
                        }
                    }
                }
                day = day.succ_opt().unwrap();
            }
            out.sort();
            let mut merged: Vec<(i64, i64)> = Vec::new();
            for (from, to) in out {
                match merged.last_mut() {
                    Some(last) if from <= last.1 => last.1 = last.1.max(to),
                    _ => merged.push((from, to)),
                }
            }
            merged
        }

        fn elapsed(&self, a: i64, b: i64) -> i64 {
            let date = |t: i64| DateTime::from_timestamp(t, 0).unwrap().date_naive();
            let first = date(a) - Duration::days(2);
            let last = date(b) + Duration::days(2);
            self.intervals(first, last)
                .iter()
                .map(|&(o, c)| (c.min(b) - o.max(a)).max(0))
                .sum()
        }

        fn add(&self, start: i64, d: i64) -> i64 {
            if d == 0 {
                return start;
            }
            let mut hi = start + d;
            while self.elapsed(start, hi) < d {
                hi += (hi - start).max(86_400);
            }
            let mut lo = start;
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if self.elapsed(start, mid) >= d {
                    hi = mid
                } else {
                    lo = mid
                }
            }
            hi
        }
    }

    fn random_case(rng: &mut Rng) -> (Reference, BusinessCalendar) {
        let zone = *rng.pick(&ZONES);
        let mut windows = Vec::new();
        for day in 0..7u32 {
            // Up to three disjoint windows, built left to right.
            let mut cursor = 0u32;
            for _ in 0..rng.below(4) {
                let open = cursor.max(random_time(rng));
                if open >= 86_400 {
                    break;
                }
                let close = (open + 900 * (1 + rng.below(40) as u32)).min(86_400);
                windows.push((day, open, close));
                cursor = close + 900 * rng.below(3) as u32;
            }
        }
        if windows.is_empty() {
            windows.push((rng.below(7) as u32, 9 * 3600, 17 * 3600));
        }
        let holidays: Vec<NaiveDate> = (0..rng.below(6))
            .map(|_| {
                NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + Duration::days(rng.below(730) as i64)
            })
            .collect();
        let hhmm = |s: u32| format!("{:02}:{:02}", s / 3600, s % 3600 / 60);
        let spec = CalendarSpec {
            timezone: zone.into(),
            weekly: windows
                .iter()
                .map(|&(d, o, c)| {
                    WindowSpec::new(
                        ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][d as usize],
                        &hhmm(o),
                        &hhmm(c),
                    )
                })
                .collect(),
            holidays: holidays.iter().map(|h| h.to_string()).collect(),
        };
        let reference = Reference {
            tz: zone.parse().unwrap(),
            windows,
            holidays,
        };
        (reference, BusinessCalendar::parse(&spec).unwrap())
    }

    /// An instant in 2026-2027, near a DST change half the time.
    fn random_instant(rng: &mut Rng) -> i64 {
        const CHANGES: [i64; 6] = [
            1_772_928_000,
            1_774_746_000,
            1_775_350_800,
            1_791_007_200,
            1_792_976_400,
            1_793_512_800,
        ];
        if rng.below(2) == 0 {
            CHANGES[rng.below(6) as usize] + rng.below(4 * 86_400) as i64 - 2 * 86_400
        } else {
            1_767_225_600 + rng.below(700 * 86_400) as i64
        }
    }

    fn random_span(rng: &mut Rng) -> i64 {
        match rng.below(3) {
            0 => rng.below(3_600) as i64,
            1 => rng.below(3 * 86_400) as i64,
            _ => rng.below(30 * 86_400) as i64,
        }
    }

    fn instant(t: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(t, 0).unwrap()
    }

    #[test]
    fn add_and_elapsed_agree_with_the_naive_reference_on_10_000_random_cases() {
        let mut rng = Rng(0x5EED_2026);
        let mut checked = 0;
        while checked < 10_000 {
            let (reference, cal) = random_case(&mut rng);
            for _ in 0..20 {
                let start = random_instant(&mut rng);
                let end = start + random_span(&mut rng);
                let expected = reference.elapsed(start, end);
                let actual = cal.elapsed(instant(start), instant(end)).unwrap();
                assert_eq!(
                    actual,
                    expected,
                    "elapsed({start}, {end}) for {:?}",
                    cal.spec()
                );

                let d = random_span(&mut rng) / 4;
                let expected = reference.add(start, d);
                let actual = cal.add(instant(start), d).unwrap().timestamp();
                assert_eq!(actual, expected, "add({start}, {d}) for {:?}", cal.spec());
                checked += 1;
            }
        }
    }
}
