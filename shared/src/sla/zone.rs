//! Where a calendar's wall-clock times come from: the IANA database compiled in (feature
//! `tzdb`, the server), or offset rules supplied by the host (the browser, whose own time-zone
//! database answers through `Intl`, so the web app does not ship one).

use std::sync::Arc;

use chrono::NaiveDateTime;
#[cfg(feature = "tzdb")]
use chrono::TimeZone as _;

/// The UTC offset rules of a calendar's time zone.
#[derive(Clone)]
pub enum Zone {
    /// A zone of the IANA database compiled into this build.
    #[cfg(feature = "tzdb")]
    Db(chrono_tz::Tz),
    /// Offsets answered by the host.
    Offsets(OffsetRules),
}

/// A zone as a function: the offset (seconds east of UTC) in force at a UTC instant.
#[derive(Clone)]
pub struct OffsetRules {
    name: String,
    offset_at: Arc<dyn Fn(i64) -> i32 + Send + Sync>,
}

impl OffsetRules {
    /// `offset_at(utc_seconds)`: seconds east of UTC at that instant (seconds since the epoch).
    pub fn new(
        name: impl Into<String>,
        offset_at: impl Fn(i64) -> i32 + Send + Sync + 'static,
    ) -> Self {
        Self {
            name: name.into(),
            offset_at: Arc::new(offset_at),
        }
    }

    fn offset(&self, utc: i64) -> i64 {
        i64::from((self.offset_at)(utc))
    }
}

impl Zone {
    /// A zone of the compiled-in IANA database, by name.
    #[cfg(feature = "tzdb")]
    pub fn from_db(name: &str) -> Option<Self> {
        name.trim().parse::<chrono_tz::Tz>().ok().map(Self::Db)
    }

    /// The zone's IANA name.
    pub fn name(&self) -> &str {
        match self {
            #[cfg(feature = "tzdb")]
            Self::Db(tz) => tz.name(),
            Self::Offsets(rules) => &rules.name,
        }
    }

    /// Seconds east of UTC in force at `utc` (seconds since the epoch).
    pub fn offset_at(&self, utc: i64) -> i64 {
        match self {
            #[cfg(feature = "tzdb")]
            Self::Db(tz) => chrono::DateTime::from_timestamp(utc, 0).map_or(0, |t| {
                let offset = tz.offset_from_utc_datetime(&t.naive_utc());
                i64::from(chrono::Offset::fix(&offset).local_minus_utc())
            }),
            Self::Offsets(rules) => rules.offset(utc),
        }
    }

    /// The instant (seconds since the epoch) a wall-clock time resolves to, with the
    /// 'compatible' disambiguation: a time in a gap is read with the offset in force before
    /// the gap, an ambiguous time means its first occurrence.
    pub fn resolve(&self, local: NaiveDateTime) -> i64 {
        match self {
            #[cfg(feature = "tzdb")]
            Self::Db(tz) => {
                use chrono::LocalResult;
                match tz.from_local_datetime(&local) {
                    LocalResult::Single(t) => t.timestamp(),
                    LocalResult::Ambiguous(a, b) => a.timestamp().min(b.timestamp()),
                    LocalResult::None => self.resolve_by_offsets(local),
                }
            }
            Self::Offsets(_) => self.resolve_by_offsets(local),
        }
    }

    /// [`Zone::resolve`] from offsets alone: the UTC instants `u` with `u + offset(u) == local`
    /// among the offsets in force a day before and a day after (zones change offset at most
    /// once within two days), the earliest; none (a gap) reads it with the offset before.
    fn resolve_by_offsets(&self, local: NaiveDateTime) -> i64 {
        let l = local.and_utc().timestamp();
        let before = self.offset_at(l - 86_400);
        let after = self.offset_at(l + 86_400);
        [before, after]
            .into_iter()
            .map(|offset| l - offset)
            .filter(|&u| u + self.offset_at(u) == l)
            .min()
            .unwrap_or(l - before)
    }

    /// The wall-clock time of an instant (seconds since the epoch).
    pub fn local(&self, utc: i64) -> Option<NaiveDateTime> {
        chrono::DateTime::from_timestamp(utc + self.offset_at(utc), 0).map(|t| t.naive_utc())
    }
}

impl std::fmt::Debug for Zone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl PartialEq for Zone {
    fn eq(&self, other: &Self) -> bool {
        self.name() == other.name()
    }
}

#[cfg(test)]
#[cfg(feature = "tzdb")]
mod tests {
    use chrono::{Duration, NaiveDate};
    use proptest::prelude::*;

    use super::*;

    /// The compiled-in zone as offset rules: what a host answers.
    fn as_offsets(name: &str) -> Zone {
        let db = Zone::from_db(name).unwrap();
        Zone::Offsets(OffsetRules::new(name, move |utc| {
            i32::try_from(db.offset_at(utc)).unwrap()
        }))
    }

    const ZONES: [&str; 7] = [
        "America/New_York",
        "Europe/Berlin",
        "Australia/Sydney",
        "Australia/Lord_Howe",
        "Pacific/Chatham",
        "America/Sao_Paulo",
        "Asia/Kolkata",
    ];

    proptest! {
        /// Offsets resolve every wall-clock time (gaps and repeated hours included) to the
        /// instant the database does, and read every instant back the same way.
        #[test]
        fn offsets_resolve_like_the_database(zone in 0..ZONES.len(), minutes in 0i64..(30 * 366 * 24 * 60)) {
            let name = ZONES[zone];
            let db = Zone::from_db(name).unwrap();
            let offsets = as_offsets(name);
            let base = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
            let local = base + Duration::minutes(minutes);
            prop_assert_eq!(offsets.resolve(local), db.resolve(local), "{} {}", name, local);
            let utc = local.and_utc().timestamp();
            prop_assert_eq!(offsets.local(utc), db.local(utc));
        }
    }

    #[test]
    fn the_hour_skipped_and_the_hour_repeated_in_new_york() {
        let db = Zone::from_db("America/New_York").unwrap();
        let offsets = as_offsets("America/New_York");
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        for zone in [&db, &offsets] {
            // 02:30 on 2026-03-08 does not exist: read with EST (-5), 07:30 UTC.
            assert_eq!(zone.resolve(at("2026-03-08 02:30")), 1_772_955_000);
            // 01:30 on 2026-11-01 happens twice: the first, EDT (-4), 05:30 UTC.
            assert_eq!(zone.resolve(at("2026-11-01 01:30")), 1_793_511_000);
        }
    }
}
