//! `handoff sla add` and `handoff sla elapsed`: business-time arithmetic over JSON lines.
//!
//! One case a line in, one answer a line out, in order; a bad case is answered with
//! `{"error": "<field>: <why>"}` and the run goes on. Memory stays flat however long the
//! stream: a line buffer is reused and compiled calendars are cached by their JSON text, up to
//! a bound.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use handoff_shared::FieldError;
use handoff_shared::sla::BusinessCalendar;
use serde::Deserialize;
use serde_json::value::RawValue;

/// Distinct calendars kept compiled; past this the cache starts over.
const CALENDAR_CACHE: usize = 256;

#[derive(Deserialize)]
struct Case<'a> {
    #[serde(borrow)]
    calendar: Option<&'a RawValue>,
    #[serde(borrow)]
    start: Option<&'a RawValue>,
    #[serde(borrow)]
    end: Option<&'a RawValue>,
    #[serde(borrow)]
    seconds: Option<&'a RawValue>,
}

#[derive(Default)]
struct Calendars(HashMap<String, Arc<BusinessCalendar>>);

impl Calendars {
    fn get(&mut self, raw: Option<&RawValue>) -> Result<Arc<BusinessCalendar>, FieldError> {
        let raw = raw
            .ok_or_else(|| FieldError::new("calendar", "is required"))?
            .get();
        if let Some(calendar) = self.0.get(raw) {
            return Ok(Arc::clone(calendar));
        }
        let calendar =
            Arc::new(BusinessCalendar::from_json(raw).map_err(|e| e.within("calendar"))?);
        if self.0.len() >= CALENDAR_CACHE {
            self.0.clear();
        }
        self.0.insert(raw.to_owned(), Arc::clone(&calendar));
        Ok(calendar)
    }
}

fn instant(raw: Option<&RawValue>, field: &str) -> Result<DateTime<Utc>, FieldError> {
    let raw = raw.ok_or_else(|| FieldError::new(field, "is required"))?;
    let text: &str = serde_json::from_str(raw.get())
        .map_err(|_| FieldError::new(field, "must be an RFC 3339 date-time string"))?;
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            FieldError::new(
                field,
                format!("{text:?} is not an RFC 3339 date-time ({e})"),
            )
        })
}

fn seconds(raw: Option<&RawValue>) -> Result<i64, FieldError> {
    let raw = raw.ok_or_else(|| FieldError::new("seconds", "is required"))?;
    let n: serde_json::Number = serde_json::from_str(raw.get())
        .map_err(|_| FieldError::new("seconds", "must be a number"))?;
    let whole = n.as_i64().ok_or_else(|| {
        FieldError::new("seconds", format!("{n} is not a whole number of seconds"))
    })?;
    if whole < 0 {
        return Err(FieldError::new("seconds", "must not be negative"));
    }
    Ok(whole)
}

fn parse_case(line: &str) -> Result<Case<'_>, FieldError> {
    serde_json::from_str(line).map_err(|e| {
        FieldError::new(
            "line",
            format!("is not a JSON object with the expected fields ({e})"),
        )
    })
}

/// Answers `{"calendar", "start", "seconds"}` lines with `{"due": "<RFC 3339 UTC>"}`.
pub fn run_add<R: Read, W: Write>(input: R, output: W) -> anyhow::Result<()> {
    let mut calendars = Calendars::default();
    run_lines(input, output, |line, out| {
        let answer = parse_case(line).and_then(|case| {
            let calendar = calendars.get(case.calendar)?;
            let start = instant(case.start, "start")?;
            let seconds = seconds(case.seconds)?;
            calendar.add(start, seconds)
        });
        match answer {
            Ok(due) => {
                out.extend_from_slice(b"{\"due\":\"");
                out.extend_from_slice(due.to_rfc3339_opts(SecondsFormat::AutoSi, true).as_bytes());
                out.extend_from_slice(b"\"}\n");
            }
            Err(error) => write_error(out, &error),
        }
    })
}

/// Answers `{"calendar", "start", "end"}` lines with `{"seconds": N}`.
pub fn run_elapsed<R: Read, W: Write>(input: R, output: W) -> anyhow::Result<()> {
    let mut calendars = Calendars::default();
    run_lines(input, output, |line, out| {
        let answer = parse_case(line).and_then(|case| {
            let calendar = calendars.get(case.calendar)?;
            let start = instant(case.start, "start")?;
            let end = instant(case.end, "end")?;
            calendar.elapsed(start, end)
        });
        match answer {
            Ok(seconds) => {
                out.extend_from_slice(b"{\"seconds\":");
                out.extend_from_slice(seconds.to_string().as_bytes());
                out.extend_from_slice(b"}\n");
            }
            Err(error) => write_error(out, &error),
        }
    })
}

fn write_error(out: &mut Vec<u8>, error: &FieldError) {
    out.extend_from_slice(b"{\"error\":");
    // Serialising a string into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, &error.to_string());
    out.extend_from_slice(b"}\n");
}

/// Reads lines, answers each into a buffer, and writes the buffer out whenever the input has
/// nothing more buffered: batches in a pipe, answers at once to a conversation.
fn run_lines<R: Read, W: Write>(
    input: R,
    mut output: W,
    mut answer: impl FnMut(&str, &mut Vec<u8>),
) -> anyhow::Result<()> {
    let mut reader = BufReader::with_capacity(64 * 1024, input);
    let mut line = String::new();
    let mut pending = Vec::with_capacity(64 * 1024);
    loop {
        line.clear();
        let read = match reader.read_line(&mut line) {
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::InvalidData => {
                // Not UTF-8: answer the line and go on (read_line consumed it).
                write_error(&mut pending, &FieldError::new("line", "is not valid UTF-8"));
                1
            }
            Err(e) => return Err(e.into()),
        };
        if read == 0 {
            break;
        }
        let text = line.trim();
        if !text.is_empty() {
            answer(text, &mut pending);
        }
        if reader.buffer().is_empty() || pending.len() >= 60 * 1024 {
            if let Err(e) = output.write_all(&pending).and_then(|()| output.flush()) {
                // A reader that went away (`| head`) ends the run quietly.
                return if e.kind() == ErrorKind::BrokenPipe {
                    Ok(())
                } else {
                    Err(e.into())
                };
            }
            pending.clear();
        }
    }
    match output.write_all(&pending).and_then(|()| output.flush()) {
        Err(e) if e.kind() != ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAL: &str = r#"{"timezone":"America/New_York","weekly":[{"day":"mon","open":"09:00","close":"17:00"},{"day":"fri","open":"09:00","close":"17:00"}]}"#;

    fn run(f: fn(&[u8], &mut Vec<u8>) -> anyhow::Result<()>, input: &str) -> Vec<String> {
        let mut out = Vec::new();
        f(input.as_bytes(), &mut out).unwrap();
        String::from_utf8(out)
            .unwrap()
            .lines()
            .map(String::from)
            .collect()
    }

    fn add(input: &[u8], out: &mut Vec<u8>) -> anyhow::Result<()> {
        run_add(input, out)
    }

    fn elapsed(input: &[u8], out: &mut Vec<u8>) -> anyhow::Result<()> {
        run_elapsed(input, out)
    }

    #[test]
    fn each_case_gets_one_answer_in_order_and_bad_ones_do_not_stop_the_run() {
        let input = format!(
            "{{\"calendar\":{CAL},\"start\":\"2026-03-06T16:59:00-05:00\",\"seconds\":14400}}\n\
             not json\n\
             {{\"calendar\":{CAL},\"start\":\"yesterday\",\"seconds\":1}}\n\
             {{\"calendar\":{{\"timezone\":\"Nowhere\",\"weekly\":[]}},\"start\":\"2026-03-06T16:59:00Z\",\"seconds\":1}}\n\
             {{\"calendar\":{CAL},\"start\":\"2026-03-06T16:59:00Z\",\"seconds\":1.5}}\n\
             {{\"calendar\":{CAL},\"start\":\"2026-03-06T16:00:00-05:00\",\"seconds\":0}}\n"
        );
        let lines = run(add, &input);
        assert_eq!(lines.len(), 6, "{lines:?}");
        assert_eq!(lines[0], r#"{"due":"2026-03-09T16:59:00Z"}"#);
        assert!(lines[1].starts_with(r#"{"error":"line: "#), "{}", lines[1]);
        assert!(lines[2].starts_with(r#"{"error":"start: "#), "{}", lines[2]);
        assert!(
            lines[3].starts_with(r#"{"error":"calendar.timezone: "#),
            "{}",
            lines[3]
        );
        assert!(
            lines[4].starts_with(r#"{"error":"seconds: "#),
            "{}",
            lines[4]
        );
        assert_eq!(lines[5], r#"{"due":"2026-03-06T21:00:00Z"}"#);
    }

    #[test]
    fn elapsed_answers_whole_business_seconds() {
        let input = format!(
            "{{\"calendar\":{CAL},\"start\":\"2026-03-06T16:59:00-05:00\",\"end\":\"2026-03-09T12:59:00-04:00\"}}\n\
             {{\"calendar\":{CAL},\"start\":\"2026-03-09T12:59:00-04:00\",\"end\":\"2026-03-06T16:59:00-05:00\"}}\n"
        );
        let lines = run(elapsed, &input);
        assert_eq!(lines[0], r#"{"seconds":14400}"#);
        assert!(lines[1].starts_with(r#"{"error":"end: "#), "{}", lines[1]);
    }
}
