//! Business calendars in the browser: the `shared` SLA clock with its time zones' offsets
//! answered by the browser's own time-zone database (`Intl.DateTimeFormat`), so the web app
//! ships no copy of the IANA database. Native builds (unit tests) use the compiled-in one.

use handoff_shared::FieldError;
use handoff_shared::sla::{BusinessCalendar, CalendarSpec};

/// The calendar of `spec`, ready to compute; the error names the field at fault.
pub fn calendar(spec: &CalendarSpec) -> Result<BusinessCalendar, FieldError> {
    #[cfg(target_arch = "wasm32")]
    {
        BusinessCalendar::parse_with(spec, browser::zone)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        BusinessCalendar::parse(spec)
    }
}

#[cfg(target_arch = "wasm32")]
mod browser {
    use std::cell::RefCell;
    use std::collections::HashMap;

    use chrono::NaiveDate;
    use handoff_shared::sla::{OffsetRules, Zone};
    use js_sys::{Array, Date, Function, Intl, Object, Reflect};
    use wasm_bindgen::{JsCast, JsValue};

    thread_local! {
        /// One formatter a zone: building one costs far more than using it.
        static FORMATTERS: RefCell<HashMap<String, Intl::DateTimeFormat>> =
            RefCell::new(HashMap::new());
    }

    /// A formatter that writes an instant's wall-clock fields in `name`; none when the browser
    /// does not know the zone (it throws a RangeError).
    fn formatter(name: &str) -> Option<Intl::DateTimeFormat> {
        if let Some(found) = FORMATTERS.with(|f| f.borrow().get(name).cloned()) {
            return Some(found);
        }
        let options = Object::new();
        let set = |key: &str, value: &str| {
            Reflect::set(&options, &JsValue::from_str(key), &JsValue::from_str(value)).is_ok()
        };
        let ok = set("timeZone", name)
            && set("hourCycle", "h23")
            && ["year", "month", "day", "hour", "minute", "second"]
                .iter()
                .all(|field| set(field, "numeric"));
        if !ok {
            return None;
        }
        // `new Intl.DateTimeFormat(...)` throws a RangeError for a zone the browser does not
        // know: construct it through Reflect, which returns the error instead.
        let intl = Reflect::get(&js_sys::global(), &JsValue::from_str("Intl")).ok()?;
        let constructor: Function = Reflect::get(&intl, &JsValue::from_str("DateTimeFormat"))
            .ok()?
            .dyn_into()
            .ok()?;
        let args = Array::of2(&JsValue::from_str("en-US"), &options);
        let made = Reflect::construct(&constructor, &args).ok()?;
        let formatter: Intl::DateTimeFormat = made.dyn_into().ok()?;
        FORMATTERS.with(|f| {
            f.borrow_mut().insert(name.to_owned(), formatter.clone());
        });
        Some(formatter)
    }

    /// Seconds east of UTC in `name` at `utc` (seconds since the epoch).
    fn offset(name: &str, utc: i64) -> i32 {
        let Some(formatter) = formatter(name) else {
            return 0;
        };
        let date = Date::new(&JsValue::from_f64(utc as f64 * 1000.0));
        let parts = formatter.format_to_parts(&date);
        let mut fields = [0u32; 6];
        let names = ["year", "month", "day", "hour", "minute", "second"];
        for part in parts.iter() {
            let kind = Reflect::get(&part, &JsValue::from_str("type"))
                .ok()
                .and_then(|v| v.as_string());
            let value = Reflect::get(&part, &JsValue::from_str("value"))
                .ok()
                .and_then(|v| v.as_string());
            if let (Some(kind), Some(value)) = (kind, value)
                && let Some(i) = names.iter().position(|n| *n == kind)
            {
                fields[i] = value.parse().unwrap_or(0);
            }
        }
        let [year, month, day, hour, minute, second] = fields;
        let local = NaiveDate::from_ymd_opt(year as i32, month, day)
            .and_then(|d| d.and_hms_opt(hour % 24, minute, second))
            .map(|t| t.and_utc().timestamp());
        local.map_or(0, |l| i32::try_from(l - utc).unwrap_or(0))
    }

    /// The zone `name` as the browser knows it; none for a zone it does not.
    pub fn zone(name: &str) -> Option<Zone> {
        formatter(name)?;
        let owned = name.to_owned();
        Some(Zone::Offsets(OffsetRules::new(name, move |utc| {
            offset(&owned, utc)
        })))
    }
}
