//! A validated business calendar and its arithmetic: `add` and `elapsed` in business time.
//!
//! The definition is the integration contract's: a window on a local date opens and closes at
//! the instants its local wall-clock times resolve to ('compatible' disambiguation), and
//! business time is the length of the part of a span covered by those intervals.
//!
//! To make a call cost the same for a five-minute and a six-week span, the calendar lays out
//! each local year once, on first use, as sorted UTC open intervals with prefix sums; `add` and
//! `elapsed` are then a couple of binary searches. Tables are built lazily and shared by clones.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, Utc};

use super::spec::CalendarSpec;
use super::zone::Zone;
use crate::FieldError;

const NANOS: i64 = 1_000_000_000;
const DAY_SECONDS: u32 = 86_400;

/// The years a calendar computes in. Instants are handled as `i64` nanoseconds, which spans
/// 1677-2262; the margin keeps every intermediate value in range.
pub const FIRST_YEAR: i32 = 1900;
pub const LAST_YEAR: i32 = 2199;

/// More tables than this per calendar and the cache starts over (long CLI runs over many years).
const MAX_CACHED_YEARS: usize = 64;

/// A business calendar that has passed validation and can compute.
pub struct BusinessCalendar {
    spec: CalendarSpec,
    zone: Zone,
    /// Per weekday (Monday first): sorted, disjoint windows in seconds of the local day.
    week: [Vec<(u32, u32)>; 7],
    holidays: Vec<NaiveDate>,
    years: Arc<RwLock<BTreeMap<i32, Arc<YearTable>>>>,
}

impl Clone for BusinessCalendar {
    fn clone(&self) -> Self {
        Self {
            spec: self.spec.clone(),
            zone: self.zone.clone(),
            week: self.week.clone(),
            holidays: self.holidays.clone(),
            years: Arc::clone(&self.years),
        }
    }
}

impl std::fmt::Debug for BusinessCalendar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BusinessCalendar")
            .field("spec", &self.spec)
            .finish_non_exhaustive()
    }
}

impl PartialEq for BusinessCalendar {
    fn eq(&self, other: &Self) -> bool {
        self.zone == other.zone && self.week == other.week && self.holidays == other.holidays
    }
}

/// One local year laid out in UTC: the open intervals, merged and sorted, with prefix sums.
#[derive(Debug)]
struct YearTable {
    /// The instant local 1 January 00:00 resolves to (nanoseconds since the epoch).
    start: i64,
    /// The instant the next local year starts at; tables tile the timeline.
    end: i64,
    opens: Vec<i64>,
    closes: Vec<i64>,
    /// `cum[i]` is the business time before interval `i`; `cum[n]` the year's total.
    cum: Vec<i64>,
}

impl YearTable {
    fn total(&self) -> i64 {
        self.cum.last().copied().unwrap_or(0)
    }

    /// Business time from the start of the table to `t` (which lies in the table).
    fn cum_at(&self, t: i64) -> i64 {
        let p = self.opens.partition_point(|&o| o <= t);
        if p == 0 {
            return 0;
        }
        let i = p - 1;
        self.cum[i] + (t.min(self.closes[i]) - self.opens[i])
    }

    /// The earliest instant at which the cumulative business time reaches `target`
    /// (`0 < target <= total`).
    fn instant_at(&self, target: i64) -> i64 {
        let i = self.cum[1..].partition_point(|&c| c < target);
        self.opens[i] + (target - self.cum[i])
    }

    fn is_open(&self, t: i64) -> bool {
        let p = self.opens.partition_point(|&o| o <= t);
        p > 0 && t < self.closes[p - 1]
    }
}

impl BusinessCalendar {
    /// Validates a calendar; errors name the offending field (`weekly[2].close`, `holidays[0]`).
    /// Its time zone comes from the compiled-in IANA database.
    #[cfg(feature = "tzdb")]
    pub fn parse(spec: &CalendarSpec) -> Result<Self, FieldError> {
        Self::parse_with(spec, Zone::from_db)
    }

    /// [`BusinessCalendar::parse`] with the time zone looked up by `zones` (by IANA name;
    /// none: unknown), e.g. offset rules answered by the browser.
    pub fn parse_with(
        spec: &CalendarSpec,
        zones: impl FnOnce(&str) -> Option<Zone>,
    ) -> Result<Self, FieldError> {
        let zone = zones(spec.timezone.trim()).ok_or_else(|| {
            FieldError::new(
                "timezone",
                format!("unknown IANA time zone {:?}", spec.timezone),
            )
        })?;
        if spec.weekly.is_empty() {
            return Err(FieldError::new(
                "weekly",
                "at least one opening window is required",
            ));
        }

        let mut week: [Vec<(u32, u32, usize)>; 7] = Default::default();
        for (index, window) in spec.weekly.iter().enumerate() {
            let field = |name: &str| format!("weekly[{index}].{name}");
            let day = parse_day(&window.day).ok_or_else(|| {
                FieldError::new(
                    field("day"),
                    format!("{:?} is not a day; use mon..sun", window.day),
                )
            })?;
            let open = parse_time_of_day(&window.open)
                .filter(|&s| s < DAY_SECONDS)
                .ok_or_else(|| {
                    FieldError::new(
                        field("open"),
                        format!("{:?} is not a time HH:MM from 00:00 to 23:59", window.open),
                    )
                })?;
            let close = parse_time_of_day(&window.close).ok_or_else(|| {
                FieldError::new(
                    field("close"),
                    format!("{:?} is not a time HH:MM from 00:00 to 24:00", window.close),
                )
            })?;
            if close <= open {
                return Err(FieldError::new(
                    field("close"),
                    format!(
                        "closes at {} but opens at {}; close must be after open (write an overnight shift as two windows)",
                        window.close, window.open
                    ),
                ));
            }
            week[day].push((open, close, index));
        }

        let mut compiled: [Vec<(u32, u32)>; 7] = Default::default();
        for (day, windows) in week.iter_mut().enumerate() {
            windows.sort_unstable();
            for pair in windows.windows(2) {
                let ((_, first_close, first), (second_open, _, second)) = (pair[0], pair[1]);
                if second_open < first_close {
                    let (early, late) = (first.min(second), first.max(second));
                    return Err(FieldError::new(
                        format!("weekly[{late}]"),
                        format!("overlaps weekly[{early}] on {}", DAY_NAMES[day]),
                    ));
                }
            }
            // Touching windows stay separate here: each boundary resolves on its own (one may
            // sit in a DST gap), and the year tables merge what touches in UTC.
            compiled[day] = windows
                .iter()
                .map(|&(open, close, _)| (open, close))
                .collect();
        }

        let mut holidays = Vec::with_capacity(spec.holidays.len());
        for (index, raw) in spec.holidays.iter().enumerate() {
            let date = NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| {
                FieldError::new(
                    format!("holidays[{index}]"),
                    format!("{raw:?} is not a date YYYY-MM-DD"),
                )
            })?;
            holidays.push(date);
        }
        holidays.sort_unstable();
        holidays.dedup();

        Ok(Self {
            spec: spec.clone(),
            zone,
            week: compiled,
            holidays,
            years: Arc::default(),
        })
    }

    /// Parses and validates the contract's calendar JSON.
    #[cfg(feature = "tzdb")]
    pub fn from_json(json: &str) -> Result<Self, FieldError> {
        let spec: CalendarSpec = serde_json::from_str(json)
            .map_err(|e| FieldError::new("calendar", format!("is not a valid calendar: {e}")))?;
        Self::parse(&spec)
    }

    /// The calendar as it was given.
    pub fn spec(&self) -> &CalendarSpec {
        &self.spec
    }

    /// The time zone's rules.
    pub fn zone(&self) -> &Zone {
        &self.zone
    }

    /// The wall-clock time of `instant` in the calendar's zone.
    pub fn local(&self, instant: DateTime<Utc>) -> Option<NaiveDateTime> {
        self.zone.local(instant.timestamp())
    }

    /// The instant a wall-clock time in the calendar's zone resolves to ('compatible': a time
    /// in a gap is read with the offset before it, a repeated time means its first occurrence).
    pub fn instant(&self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp(self.zone.resolve(local), 0)
    }

    /// The earliest instant `t >= start` with `elapsed(start, t) == seconds`.
    pub fn add(&self, start: DateTime<Utc>, seconds: i64) -> Result<DateTime<Utc>, FieldError> {
        if seconds < 0 {
            return Err(FieldError::new("seconds", "must not be negative"));
        }
        let nanos = seconds
            .checked_mul(NANOS)
            .ok_or_else(|| FieldError::new("seconds", "is too large"))?;
        self.add_nanos(start, nanos)
    }

    /// [`Self::add`] with a nanosecond duration, for fractional thresholds (50 % of 5 s).
    pub fn add_nanos(&self, start: DateTime<Utc>, nanos: i64) -> Result<DateTime<Utc>, FieldError> {
        if nanos < 0 {
            return Err(FieldError::new("seconds", "must not be negative"));
        }
        let s = instant_nanos(start, "start")?;
        if nanos == 0 {
            return Ok(start);
        }
        let (mut year, mut table) = self.table_containing(s, "start")?;
        let mut target = table.cum_at(s) + nanos;
        while target > table.total() {
            target -= table.total();
            year += 1;
            table = self.table(year).ok_or_else(|| {
                FieldError::new(
                    "seconds",
                    format!("the due instant lies beyond the year {LAST_YEAR}"),
                )
            })?;
        }
        Ok(DateTime::from_timestamp_nanos(table.instant_at(target)))
    }

    /// Whole business seconds in `[start, end)`; `end` must not be before `start`.
    pub fn elapsed(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> Result<i64, FieldError> {
        Ok(self.elapsed_nanos(start, end)? / NANOS)
    }

    /// Business time in `[start, end)` in nanoseconds.
    pub fn elapsed_nanos(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<i64, FieldError> {
        if end < start {
            return Err(FieldError::new("end", "is before start"));
        }
        let a = instant_nanos(start, "start")?;
        let b = instant_nanos(end, "end")?;
        let (year_a, table_a) = self.table_containing(a, "start")?;
        let (year_b, table_b) = self.table_containing(b, "end")?;
        if year_a == year_b {
            return Ok(table_b.cum_at(b) - table_a.cum_at(a));
        }
        let mut total =
            i128::from(table_a.total() - table_a.cum_at(a)) + i128::from(table_b.cum_at(b));
        for year in year_a + 1..year_b {
            // Years between lie inside the range checked for `a` and `b`.
            total += self.table(year).map_or(0, |t| i128::from(t.total()));
        }
        i64::try_from(total).map_err(|_| FieldError::new("end", "the span is too long"))
    }

    /// Whether `t` lies inside an open window.
    pub fn is_open(&self, t: DateTime<Utc>) -> Result<bool, FieldError> {
        let t = instant_nanos(t, "at")?;
        Ok(self.table_containing(t, "at")?.1.is_open(t))
    }

    /// The local year whose table holds `t`, and that table.
    fn table_containing(&self, t: i64, field: &str) -> Result<(i32, Arc<YearTable>), FieldError> {
        let out_of_range = || {
            FieldError::new(
                field,
                format!("lies outside the supported years {FIRST_YEAR}-{LAST_YEAR}"),
            )
        };
        let mut year = DateTime::from_timestamp_nanos(t).year();
        // A local year starts at most a day away from the UTC one.
        for _ in 0..3 {
            let table = self.table(year).ok_or_else(out_of_range)?;
            if t < table.start {
                year -= 1;
            } else if t >= table.end {
                year += 1;
            } else {
                return Ok((year, table));
            }
        }
        Err(out_of_range())
    }

    fn table(&self, year: i32) -> Option<Arc<YearTable>> {
        if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
            return None;
        }
        if let Ok(years) = self.years.read()
            && let Some(table) = years.get(&year)
        {
            return Some(Arc::clone(table));
        }
        let table = Arc::new(self.build_year(year)?);
        // A poisoned lock only means another thread panicked mid-insert; the map is still sound.
        let mut years = self
            .years
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if years.len() >= MAX_CACHED_YEARS {
            years.clear();
        }
        Some(Arc::clone(years.entry(year).or_insert(table)))
    }

    fn build_year(&self, year: i32) -> Option<YearTable> {
        let first = NaiveDate::from_ymd_opt(year, 1, 1)?;
        let next = NaiveDate::from_ymd_opt(year + 1, 1, 1)?;
        let start = self.resolve(first, 0);
        let end = self.resolve(next, 0);

        let mut intervals: Vec<(i64, i64)> = Vec::with_capacity(600);
        let mut date = first;
        let mut holidays = self.holidays.iter().skip_while(|h| **h < first).peekable();
        while date < next {
            let holiday = holidays.next_if(|h| **h == date).is_some();
            if !holiday {
                for &(open, close) in &self.week[date.weekday().num_days_from_monday() as usize] {
                    let from = self.resolve(date, open).max(start);
                    let to = self.resolve(date, close).min(end);
                    if to > from {
                        intervals.push((from, to));
                    }
                }
            }
            date = date.checked_add_days(Days::new(1))?;
        }

        // Windows of one day are disjoint in local time; resolving around a DST gap can still
        // make neighbours overlap in UTC, so merge.
        intervals.sort_unstable();
        let mut opens = Vec::with_capacity(intervals.len());
        let mut closes: Vec<i64> = Vec::with_capacity(intervals.len());
        for (from, to) in intervals {
            match closes.last_mut() {
                Some(last) if from <= *last => *last = (*last).max(to),
                _ => {
                    opens.push(from);
                    closes.push(to);
                }
            }
        }
        let mut cum = Vec::with_capacity(opens.len() + 1);
        let mut sum = 0;
        cum.push(sum);
        for (open, close) in opens.iter().zip(&closes) {
            sum += close - open;
            cum.push(sum);
        }
        Some(YearTable {
            start,
            end,
            opens,
            closes,
            cum,
        })
    }

    /// The instant (ns) a local wall-clock time resolves to, with the 'compatible'
    /// disambiguation: a time in a gap is read with the offset in force before the gap, an
    /// ambiguous time means its first occurrence. `seconds` may be 86 400 (24:00).
    fn resolve(&self, date: NaiveDate, seconds: u32) -> i64 {
        let (date, seconds) =
            match date.checked_add_days(Days::new(u64::from(seconds / DAY_SECONDS))) {
                Some(next) => (next, seconds % DAY_SECONDS),
                None => (date, seconds.min(DAY_SECONDS - 1)),
            };
        let time =
            NaiveTime::from_num_seconds_from_midnight_opt(seconds, 0).unwrap_or(NaiveTime::MIN);
        let local = NaiveDateTime::new(date, time);
        let seconds_utc = self.zone.resolve(local);
        seconds_utc * NANOS
    }
}

const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

fn parse_day(raw: &str) -> Option<usize> {
    let raw = raw.trim();
    DAY_NAMES.iter().position(|d| d.eq_ignore_ascii_case(raw))
}

/// `HH:MM` or `HH:MM:SS` as seconds of the day; `24:00` is 86 400.
fn parse_time_of_day(raw: &str) -> Option<u32> {
    let mut parts = raw.trim().split(':');
    let mut field = |max: u32| -> Option<u32> {
        let text = parts.next()?;
        if text.len() != 2 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        text.parse().ok().filter(|v| *v <= max)
    };
    let hours = field(24)?;
    let minutes = field(59)?;
    let seconds = match parts.next() {
        None => 0,
        Some(text) if text.len() == 2 && text.bytes().all(|b| b.is_ascii_digit()) => {
            text.parse().ok().filter(|v: &u32| *v <= 59)?
        }
        Some(_) => return None,
    };
    if parts.next().is_some() {
        return None;
    }
    let total = hours * 3600 + minutes * 60 + seconds;
    (total <= DAY_SECONDS).then_some(total)
}

fn instant_nanos(t: DateTime<Utc>, field: &str) -> Result<i64, FieldError> {
    let year = t.year();
    if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
        return Err(FieldError::new(
            field,
            format!("lies outside the supported years {FIRST_YEAR}-{LAST_YEAR}"),
        ));
    }
    t.timestamp_nanos_opt()
        .ok_or_else(|| FieldError::new(field, "is out of range"))
}

#[cfg(test)]
mod tests {
    use super::parse_time_of_day;

    #[test]
    fn times_of_day_parse_strictly() {
        assert_eq!(parse_time_of_day("09:30"), Some(34_200));
        assert_eq!(parse_time_of_day("24:00"), Some(86_400));
        assert_eq!(parse_time_of_day("17:30:15"), Some(63_015));
        for bad in [
            "9:30",
            "24:01",
            "25:00",
            "12:60",
            "ab:cd",
            "",
            "12:00:00:00",
            "12",
        ] {
            assert_eq!(parse_time_of_day(bad), None, "{bad}");
        }
    }
}
