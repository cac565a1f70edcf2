//! Column mappings of CRM exports for `handoff import`: which CSV column feeds which
//! `LeadInput` field, and which dated columns become `LeadInput.events` (the history that
//! backfills the 90-day baseline).
//!
//! A mapping is TOML (README "Importing a CRM export"); `hubspot` and `salesforce` are built in
//! and written in the same format (`backend/mappings/`).

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, TimeZone as _, Utc};
use chrono_tz::Tz;
use handoff_shared::FieldError;
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// The built-in HubSpot contacts mapping.
pub const HUBSPOT: &str = include_str!("../../mappings/hubspot.toml");
/// The built-in Salesforce leads mapping.
pub const SALESFORCE: &str = include_str!("../../mappings/salesforce.toml");

/// The BANT notes of a qualification read from an export.
pub const IMPORTED_BANT_NOTE: &str =
    "qualified before the import; the export carries no BANT detail";

/// `LeadInput` fields a column can feed.
pub const FIELDS: &[&str] = &[
    "externalId",
    "email",
    "firstName",
    "lastName",
    "title",
    "phone",
    "company",
    "companySize",
    "industry",
    "country",
    "region",
    "source",
    "campaign",
    "leadType",
    "occurredAt",
];

/// `LeadEventInput.kind` values a dated column can produce.
pub const EVENT_KINDS: &[&str] = &[
    "engagement",
    "mql",
    "assigned",
    "accepted",
    "rejected",
    "touch",
    "responded",
    "qualified",
    "converted",
    "disqualified",
    "recycled",
];

/// Date formats tried after the mapping's own: ISO 8601 / RFC 3339 first, then what HubSpot
/// and Salesforce write (US month-first).
const DATE_FORMATS: &[&str] = &[
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%m/%d/%Y, %I:%M %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
];
const DAY_FORMATS: &[&str] = &["%Y-%m-%d", "%m/%d/%Y"];

/// One column or several to try in order.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Columns {
    One(String),
    Many(Vec<String>),
}

impl Columns {
    fn names(&self) -> Vec<&str> {
        match self {
            Self::One(name) => vec![name.as_str()],
            Self::Many(names) => names.iter().map(String::as_str).collect(),
        }
    }
}

/// A mapping file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// LeadInput field -> column(s).
    #[serde(default)]
    fields: BTreeMap<String, Columns>,
    /// LeadInput field -> value used when its column is absent or the cell empty.
    #[serde(default)]
    defaults: BTreeMap<String, String>,
    /// LeadInput field -> (cell text -> value), matched ignoring case.
    #[serde(default)]
    values: BTreeMap<String, BTreeMap<String, String>>,
    /// IANA zone of dates written without an offset; default UTC.
    #[serde(default)]
    timezone: Option<String>,
    /// chrono `strftime` formats tried before the built-in ones.
    #[serde(default)]
    date_formats: Vec<String>,
    /// Dated columns that become history events.
    #[serde(default)]
    events: Vec<EventColumn>,
}

/// A dated column that becomes one or more history events.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct EventColumn {
    /// The column holding the date; an empty cell means no event.
    column: String,
    /// Event kinds emitted at that date, in order. A kind the row already has (from an
    /// earlier entry) is not repeated, so a later stage can list the stages it implies.
    kinds: Vec<String>,
    /// Only when this column's cell is one of `when_values` (ignoring case).
    when_column: Option<String>,
    #[serde(default)]
    when_values: Vec<String>,
    /// Reason of rejected / disqualified / recycled events: a fixed code, or a column.
    reason_code: Option<String>,
    reason_column: Option<String>,
    note_column: Option<String>,
    /// For `assigned`: the column(s) with the owner's e-mail (a user of Handoff); no e-mail,
    /// no event.
    owner_email_column: Option<Columns>,
    /// For `engagement`: the engagement kind, e.g. `webinar_attended`.
    engagement: Option<String>,
    /// For `touch`: the channel (CALL, EMAIL, …) and outcome.
    channel: Option<String>,
    outcome: Option<String>,
}

/// A mapping that cannot be used; `handoff import` exits with code 2.
#[derive(Debug, thiserror::Error)]
#[error("mapping: {0}")]
pub struct MappingError(String);

impl Mapping {
    /// `hubspot`, `salesforce`, or the TOML text of a mapping file.
    pub fn builtin(name: &str) -> Option<Result<Self, MappingError>> {
        match name.to_ascii_lowercase().as_str() {
            "hubspot" => Some(Self::parse(HUBSPOT)),
            "salesforce" => Some(Self::parse(SALESFORCE)),
            _ => None,
        }
    }

    /// Reads and checks a TOML mapping.
    pub fn parse(text: &str) -> Result<Self, MappingError> {
        let mapping: Self = toml::from_str(text).map_err(|e| MappingError(e.to_string()))?;
        for field in mapping
            .fields
            .keys()
            .chain(mapping.defaults.keys())
            .chain(mapping.values.keys())
        {
            if !FIELDS.contains(&field.as_str()) {
                return Err(MappingError(format!(
                    "unknown LeadInput field {field:?}; known: {}",
                    FIELDS.join(", ")
                )));
            }
        }
        if let Some(zone) = &mapping.timezone {
            zone.parse::<Tz>()
                .map_err(|_| MappingError(format!("timezone {zone:?} is not an IANA time zone")))?;
        }
        for (i, event) in mapping.events.iter().enumerate() {
            if event.kinds.is_empty() {
                return Err(MappingError(format!("events[{i}].kinds is empty")));
            }
            for kind in &event.kinds {
                if !EVENT_KINDS.contains(&kind.as_str()) {
                    return Err(MappingError(format!(
                        "events[{i}].kinds: unknown kind {kind:?}; known: {}",
                        EVENT_KINDS.join(", ")
                    )));
                }
            }
        }
        Ok(mapping)
    }

    /// Resolves the columns against a file's header. Fails when `externalId`, `email` or
    /// `leadType` can come from neither a column nor a default. Returns the bound mapping and
    /// notes about mapped columns the file lacks.
    pub fn bind(&self, header: &[String]) -> Result<(BoundMapping, Vec<String>), MappingError> {
        let index: HashMap<&str, usize> = header
            .iter()
            .enumerate()
            .map(|(i, name)| (name.trim(), i))
            .collect();
        let find = |names: &[&str]| names.iter().find_map(|name| index.get(name).copied());
        let mut notes = Vec::new();

        let mut fields = Vec::new();
        for field in FIELDS.iter().copied() {
            let column = self.fields.get(field).and_then(|c| find(&c.names()));
            let default = self.defaults.get(field).cloned();
            if column.is_none() && default.is_none() {
                if let Some(columns) = self.fields.get(field) {
                    if matches!(field, "externalId" | "email" | "leadType") {
                        return Err(MappingError(format!(
                            "{field} comes from {}, which the file's header lacks",
                            quoted(&columns.names())
                        )));
                    }
                    notes.push(format!(
                        "{field}: no column {} in the file; left empty",
                        quoted(&columns.names())
                    ));
                } else if matches!(field, "externalId" | "email" | "leadType") {
                    return Err(MappingError(format!(
                        "{field} is required: map it to a column in [fields] or give it a value in [defaults]"
                    )));
                }
                continue;
            }
            let values = self
                .values
                .get(field)
                .map(|map| {
                    map.iter()
                        .map(|(k, v)| (k.trim().to_lowercase(), v.clone()))
                        .collect()
                })
                .unwrap_or_default();
            fields.push(BoundField {
                name: field,
                column,
                default,
                values,
            });
        }

        let mut events = Vec::new();
        for spec in &self.events {
            let Some(column) = find(&[spec.column.as_str()]) else {
                notes.push(format!(
                    "history: no column {:?} in the file; its {} events are skipped",
                    spec.column,
                    spec.kinds.join("/")
                ));
                continue;
            };
            let optional = |name: &Option<String>| name.as_deref().and_then(|n| find(&[n]));
            let when = match &spec.when_column {
                Some(name) => match find(&[name.as_str()]) {
                    Some(i) => Some((
                        i,
                        spec.when_values
                            .iter()
                            .map(|v| v.trim().to_lowercase())
                            .collect::<HashSet<_>>(),
                    )),
                    None => {
                        notes.push(format!(
                            "history: no column {name:?} in the file; the {} events it selects are skipped",
                            spec.kinds.join("/")
                        ));
                        continue;
                    }
                },
                None => None,
            };
            events.push(BoundEvent {
                column,
                column_name: spec.column.clone(),
                kinds: spec.kinds.clone(),
                when,
                reason_code: spec.reason_code.clone(),
                reason_column: optional(&spec.reason_column),
                note_column: optional(&spec.note_column),
                owner_email_column: spec
                    .owner_email_column
                    .as_ref()
                    .and_then(|c| find(&c.names())),
                engagement: spec.engagement.clone(),
                channel: spec.channel.clone(),
                outcome: spec.outcome.clone(),
            });
        }

        let timezone = match &self.timezone {
            Some(zone) => zone
                .parse::<Tz>()
                .map_err(|_| MappingError(format!("timezone {zone:?} is not an IANA time zone")))?,
            None => Tz::UTC,
        };
        Ok((
            BoundMapping {
                fields,
                events,
                timezone,
                date_formats: self.date_formats.clone(),
                header: header.to_vec(),
            },
            notes,
        ))
    }
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("{n:?}"))
        .collect::<Vec<_>>()
        .join(" or ")
}

/// A mapping resolved against one file's header.
#[derive(Debug, Clone)]
pub struct BoundMapping {
    fields: Vec<BoundField>,
    events: Vec<BoundEvent>,
    timezone: Tz,
    date_formats: Vec<String>,
    header: Vec<String>,
}

#[derive(Debug, Clone)]
struct BoundField {
    name: &'static str,
    column: Option<usize>,
    default: Option<String>,
    values: HashMap<String, String>,
}

#[derive(Debug, Clone)]
struct BoundEvent {
    column: usize,
    column_name: String,
    kinds: Vec<String>,
    when: Option<(usize, HashSet<String>)>,
    reason_code: Option<String>,
    reason_column: Option<usize>,
    note_column: Option<usize>,
    owner_email_column: Option<usize>,
    engagement: Option<String>,
    channel: Option<String>,
    outcome: Option<String>,
}

impl BoundMapping {
    /// One CSV row as a `LeadInput` JSON object (camelCase), or what is wrong with it.
    /// Problems are named by field (`companySize`) or by column for history (`history."Converted Date"`).
    pub fn lead(&self, row: &[&str]) -> Result<Value, FieldError> {
        if row.len() != self.header.len() {
            return Err(FieldError::new(
                "row",
                format!(
                    "has {} columns, the header has {}",
                    row.len(),
                    self.header.len()
                ),
            ));
        }
        let cell = |i: usize| row.get(i).map(|s| s.trim()).filter(|s| !s.is_empty());
        let mut lead = Map::new();
        for field in &self.fields {
            let raw = field.column.and_then(cell).map(|text| {
                field
                    .values
                    .get(&text.to_lowercase())
                    .cloned()
                    .unwrap_or_else(|| text.to_owned())
            });
            let Some(text) = raw.or_else(|| field.default.clone()) else {
                continue;
            };
            let value = match field.name {
                "companySize" => json!(parse_size(&text)?),
                "occurredAt" => json!(rfc3339(self.date(&text, "occurredAt")?)),
                "email" => json!(text.to_lowercase()),
                _ => json!(text),
            };
            lead.insert(field.name.to_owned(), value);
        }

        let mut events: Vec<(DateTime<Utc>, usize, Value)> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        for spec in &self.events {
            let Some(date) = cell(spec.column) else {
                continue;
            };
            if let Some((column, wanted)) = &spec.when
                && !cell(*column).is_some_and(|v| wanted.contains(&v.to_lowercase()))
            {
                continue;
            }
            let field = format!("history.{:?}", spec.column_name);
            let at = self.date(date, &field)?;
            for kind in &spec.kinds {
                let repeatable = matches!(kind.as_str(), "engagement" | "touch" | "responded");
                if !repeatable && !seen.insert(kind.clone()) {
                    continue;
                }
                let mut event = Map::new();
                event.insert("kind".to_owned(), json!(kind));
                event.insert("occurredAt".to_owned(), json!(rfc3339(at)));
                match kind.as_str() {
                    "assigned" => {
                        let Some(owner) = spec.owner_email_column.and_then(cell) else {
                            seen.remove(kind);
                            continue;
                        };
                        event.insert("ownerEmail".to_owned(), json!(owner.to_lowercase()));
                    }
                    "rejected" | "disqualified" | "recycled" => {
                        let reason = spec
                            .reason_column
                            .and_then(cell)
                            .map(str::to_owned)
                            .or_else(|| spec.reason_code.clone());
                        if let Some(reason) = reason {
                            event.insert("reasonCode".to_owned(), json!(reason));
                        }
                        if let Some(note) = spec.note_column.and_then(cell) {
                            event.insert("note".to_owned(), json!(note));
                        }
                    }
                    "qualified" => {
                        // The intake wants BANT with a qualification; exports carry none, and
                        // claiming any of the four would be invented.
                        event.insert(
                            "bant".to_owned(),
                            json!({
                                "budget": false, "authority": false, "need": false, "timeline": false,
                                "notes": IMPORTED_BANT_NOTE,
                            }),
                        );
                    }
                    "engagement" => {
                        if let Some(engagement) = &spec.engagement {
                            event.insert("engagement".to_owned(), json!(engagement));
                        }
                    }
                    "touch" => {
                        if let Some(channel) = &spec.channel {
                            event.insert("channel".to_owned(), json!(channel));
                        }
                        if let Some(outcome) = &spec.outcome {
                            event.insert("outcome".to_owned(), json!(outcome));
                        }
                    }
                    _ => {}
                }
                events.push((at, events.len(), Value::Object(event)));
            }
        }
        if !events.is_empty() {
            events.sort_by_key(|(at, order, _)| (*at, *order));
            lead.insert(
                "events".to_owned(),
                Value::Array(events.into_iter().map(|(_, _, e)| e).collect()),
            );
        }
        Ok(Value::Object(lead))
    }

    /// A date cell: RFC 3339, or one of the formats, read in the mapping's time zone.
    fn date(&self, text: &str, field: &str) -> Result<DateTime<Utc>, FieldError> {
        let text = text.trim();
        if let Ok(at) = DateTime::parse_from_rfc3339(text) {
            return Ok(at.to_utc());
        }
        if let Ok(millis) = text.parse::<i64>()
            && text.len() >= 12
        {
            // HubSpot API exports: milliseconds since 1970.
            if let Some(at) = DateTime::from_timestamp_millis(millis) {
                return Ok(at);
            }
        }
        let local = self
            .date_formats
            .iter()
            .map(String::as_str)
            .chain(DATE_FORMATS.iter().copied())
            .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
            .or_else(|| {
                DAY_FORMATS
                    .iter()
                    .find_map(|format| NaiveDate::parse_from_str(text, format).ok())
                    .and_then(|day| day.and_hms_opt(0, 0, 0))
            })
            .ok_or_else(|| {
                FieldError::new(field, format!("{text:?} is not a date this mapping reads"))
            })?;
        self.timezone
            .from_local_datetime(&local)
            .earliest()
            .map(|at| at.to_utc())
            .ok_or_else(|| {
                FieldError::new(
                    field,
                    format!("{text:?} does not exist in {}", self.timezone),
                )
            })
    }
}

/// `1200`, `1,200`, `51-200` (the lower bound), `10000+`.
fn parse_size(text: &str) -> Result<i64, FieldError> {
    let cleaned: String = text
        .chars()
        .filter(|c| !matches!(c, ',' | ' ' | '+'))
        .collect();
    let lower = cleaned.split(['-', '–']).next().unwrap_or_default();
    lower
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite() && *n >= 0.0 && n.fract() == 0.0 && *n <= i32::MAX as f64)
        .map(|n| n as i64)
        .ok_or_else(|| {
            FieldError::new(
                "companySize",
                format!("{text:?} is not a number of employees"),
            )
        })
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn the_builtin_mappings_parse() {
        Mapping::builtin("hubspot").unwrap().unwrap();
        Mapping::builtin("Salesforce").unwrap().unwrap();
        assert!(Mapping::builtin("pipedrive").is_none());
    }

    #[test]
    fn a_hubspot_row_becomes_a_lead_input_with_its_history() {
        let mapping = Mapping::builtin("hubspot").unwrap().unwrap();
        let (bound, _notes) = mapping
            .bind(&header(&[
                "Record ID",
                "Email",
                "First Name",
                "Number of Employees",
                "Create Date",
                "Became a Marketing Qualified Lead Date",
                "Became an Opportunity Date",
            ]))
            .unwrap();
        let lead = bound
            .lead(&[
                "101",
                " Ada@Example.COM ",
                "Ada",
                "1,200",
                "2026-01-05 09:30",
                "2026-01-06",
                "02/01/2026",
            ])
            .unwrap();
        assert_eq!(lead["externalId"], "101");
        assert_eq!(lead["email"], "ada@example.com");
        assert_eq!(lead["companySize"], 1200);
        assert_eq!(lead["leadType"], "other");
        assert_eq!(lead["occurredAt"], "2026-01-05T09:30:00Z");
        let kinds: Vec<&str> = lead["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        // No owner column: acceptance has no owner, which the intake refuses with a reason.
        assert_eq!(kinds, ["mql", "accepted", "qualified", "converted"]);
        assert_eq!(lead["events"][0]["occurredAt"], "2026-01-06T00:00:00Z");
        assert_eq!(lead["events"][3]["occurredAt"], "2026-02-01T00:00:00Z");
    }

    #[test]
    fn the_contact_owner_becomes_the_assignment_before_acceptance() {
        let mapping = Mapping::builtin("hubspot").unwrap().unwrap();
        let (bound, _) = mapping
            .bind(&header(&[
                "Record ID",
                "Email",
                "Contact owner",
                "Became a Marketing Qualified Lead Date",
                "Became a Sales Qualified Lead Date",
            ]))
            .unwrap();
        let lead = bound
            .lead(&["1", "a@b.c", "Rep@Handoff.test", "2026-01-06", "2026-01-08"])
            .unwrap();
        let kinds: Vec<&str> = lead["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["mql", "assigned", "accepted", "qualified"]);
        assert_eq!(lead["events"][1]["ownerEmail"], "rep@handoff.test");
        assert_eq!(lead["events"][1]["occurredAt"], "2026-01-08T00:00:00Z");
    }

    #[test]
    fn bad_cells_name_their_field() {
        let mapping = Mapping::builtin("salesforce").unwrap().unwrap();
        let (bound, _) = mapping
            .bind(&header(&[
                "Lead ID",
                "Email",
                "No. of Employees",
                "Created Date",
            ]))
            .unwrap();
        let error = bound
            .lead(&["1", "a@b.c", "lots", "2026-01-01"])
            .unwrap_err();
        assert_eq!(error.field, "companySize");
        let error = bound.lead(&["1", "a@b.c", "10", "yesterday"]).unwrap_err();
        assert_eq!(error.field, "occurredAt");
        let error = bound.lead(&["1", "a@b.c"]).unwrap_err();
        assert_eq!(error.field, "row");
    }

    #[test]
    fn a_file_without_an_email_column_cannot_be_imported() {
        let mapping = Mapping::builtin("salesforce").unwrap().unwrap();
        let error = mapping.bind(&header(&["Lead ID", "Company"])).unwrap_err();
        assert!(error.to_string().contains("email"), "{error}");
    }

    #[test]
    fn custom_mappings_are_checked() {
        assert!(Mapping::parse("[fields]\nemial = \"Email\"").is_err());
        assert!(Mapping::parse("[[events]]\ncolumn = \"X\"\nkinds = [\"won\"]").is_err());
        assert!(Mapping::parse("timezone = \"Mars/Olympus\"").is_err());
        let mapping = Mapping::parse(
            "timezone = \"America/New_York\"\n[fields]\nexternalId = \"id\"\nemail = \"mail\"\n[defaults]\nleadType = \"webinar\"\n[values.leadType]\n\"Demo\" = \"demo_request\"\n[fields.leadType]\n",
        );
        // `fields.leadType` as a table is not a column name.
        assert!(mapping.is_err());
        let mapping = Mapping::parse(
            "timezone = \"America/New_York\"\n[fields]\nexternalId = \"id\"\nemail = \"mail\"\nleadType = \"type\"\noccurredAt = \"when\"\n[defaults]\nleadType = \"webinar\"\n[values.leadType]\n\"Demo\" = \"demo_request\"\n",
        )
        .unwrap();
        let (bound, _) = mapping
            .bind(&header(&["id", "mail", "type", "when"]))
            .unwrap();
        let lead = bound
            .lead(&["7", "x@y.z", "demo", "2026-07-01 09:00"])
            .unwrap();
        assert_eq!(lead["leadType"], "demo_request");
        assert_eq!(lead["occurredAt"], "2026-07-01T13:00:00Z");
        let lead = bound.lead(&["7", "x@y.z", "", "2026-07-01"]).unwrap();
        assert_eq!(lead["leadType"], "webinar");
    }
}
