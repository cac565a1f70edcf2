//! The SLA clock: business calendars and business-time arithmetic.
//!
//! Pure functions of their arguments: every time-based call takes `now` or the instants it
//! works on, so the server, the CLI and the browser agree to the second.

mod calendar;
mod clock;
mod spec;
mod zone;

pub use calendar::{BusinessCalendar, FIRST_YEAR, LAST_YEAR};
pub use clock::{ClockPhase, ClockState};
pub use spec::{CalendarSpec, WindowSpec};
pub use zone::{OffsetRules, Zone};
