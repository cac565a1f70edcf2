//! The business calendar as integrators write it (CONTRACT.md section 2).

use serde::{Deserialize, Serialize};

/// A business calendar exactly as the JSON of the integration contract spells it.
///
/// This is unvalidated input; [`super::BusinessCalendar::parse`] turns it into something that
/// can compute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarSpec {
    /// IANA time zone, e.g. `America/New_York`.
    pub timezone: String,
    /// Opening windows in local wall-clock time; several a day are allowed.
    pub weekly: Vec<WindowSpec>,
    /// Local dates (`YYYY-MM-DD`) closed all day.
    #[serde(default)]
    pub holidays: Vec<String>,
}

/// One opening window: `{"day": "mon", "open": "09:00", "close": "17:30"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowSpec {
    /// `mon` .. `sun`.
    pub day: String,
    /// `HH:MM` local time the window opens.
    pub open: String,
    /// `HH:MM` local time the window closes; `24:00` for midnight at the end of the day.
    pub close: String,
}

impl WindowSpec {
    pub fn new(day: &str, open: &str, close: &str) -> Self {
        Self {
            day: day.to_owned(),
            open: open.to_owned(),
            close: close.to_owned(),
        }
    }
}

impl CalendarSpec {
    /// The organisation default of a fresh database: Monday to Friday, 09:00-17:00 UTC.
    pub fn org_default() -> Self {
        Self::weekdays("UTC", "09:00", "17:00")
    }

    /// Monday to Friday, one window a day, in `timezone`.
    pub fn weekdays(timezone: &str, open: &str, close: &str) -> Self {
        Self {
            timezone: timezone.to_owned(),
            weekly: ["mon", "tue", "wed", "thu", "fri"]
                .into_iter()
                .map(|day| WindowSpec::new(day, open, close))
                .collect(),
            holidays: Vec::new(),
        }
    }

    /// Open around the clock, every day, in UTC.
    pub fn always_open() -> Self {
        Self {
            timezone: "UTC".to_owned(),
            weekly: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
                .into_iter()
                .map(|day| WindowSpec::new(day, "00:00", "24:00"))
                .collect(),
            holidays: Vec::new(),
        }
    }
}
