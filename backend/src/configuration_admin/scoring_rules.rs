//! Scoring rules: points for who a lead is (firmographic) or what they did (behavioural).

use chrono::{DateTime, Utc};
use handoff_shared::FieldError;
use sea_orm::{
    ActiveModelTrait as _, DatabaseConnection, EntityTrait as _, QueryOrder as _, Set,
    TryIntoModel as _,
};

use super::values::{Name, Slug};
use crate::entities::scoring_rules;
use crate::error::ApiError;

/// A lead attribute a firmographic rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScoringField {
    CompanySize,
    Title,
    Industry,
    Country,
    Region,
    Source,
    Campaign,
    LeadType,
    EmailDomain,
}

impl ScoringField {
    pub const ALL: &[Self] = &[
        Self::CompanySize,
        Self::Title,
        Self::Industry,
        Self::Country,
        Self::Region,
        Self::Source,
        Self::Campaign,
        Self::LeadType,
        Self::EmailDomain,
    ];

    /// The name rules store and the API speaks.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::CompanySize => "companySize",
            Self::Title => "title",
            Self::Industry => "industry",
            Self::Country => "country",
            Self::Region => "region",
            Self::Source => "source",
            Self::Campaign => "campaign",
            Self::LeadType => "leadType",
            Self::EmailDomain => "email_domain",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let raw = raw.trim();
        Self::ALL
            .iter()
            .copied()
            .find(|field| field.as_str() == raw)
            .ok_or_else(|| {
                FieldError::new(
                    "",
                    format!(
                        "unknown field {raw:?}; expected one of {}",
                        names(Self::ALL, Self::as_str)
                    ),
                )
            })
    }

    /// Whether the attribute is a number (compared as one) rather than text.
    pub const fn is_numeric(self) -> bool {
        matches!(self, Self::CompanySize)
    }
}

/// How a firmographic rule compares the attribute with its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScoringOperator {
    /// Equal to the value.
    Equals,
    /// Equal to one of the comma-separated values.
    In,
    /// A number within `min,max`, both included.
    Between,
    /// Text containing the value.
    Contains,
    /// Text containing one of the comma-separated values.
    ContainsAny,
}

impl ScoringOperator {
    pub const ALL: &[Self] = &[
        Self::Equals,
        Self::In,
        Self::Between,
        Self::Contains,
        Self::ContainsAny,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Equals => "equals",
            Self::In => "in",
            Self::Between => "between",
            Self::Contains => "contains",
            Self::ContainsAny => "contains_any",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let raw = raw.trim();
        Self::ALL
            .iter()
            .copied()
            .find(|op| op.as_str() == raw)
            .ok_or_else(|| {
                FieldError::new(
                    "",
                    format!(
                        "unknown operator {raw:?}; expected one of {}",
                        names(Self::ALL, Self::as_str)
                    ),
                )
            })
    }
}

fn names<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> String {
    all.iter()
        .map(|&item| name(item))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a rule awards points for: exactly one of the two kinds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScoringCriterion {
    /// The lead's `field` compared with `value` by `operator`; `value` is normalised (trimmed
    /// items, `min,max` for `between`).
    Firmographic {
        field: ScoringField,
        operator: ScoringOperator,
        value: String,
    },
    /// Each `engagement` of the lead, counted up to `max_times` (no limit when `None`).
    Behavioural {
        engagement: Slug,
        max_times: Option<i32>,
    },
}

/// The raw criterion fields of a rule as the API receives them.
#[derive(Debug, Clone, Copy, Default)]
pub struct CriterionFields<'a> {
    pub field: Option<&'a str>,
    pub operator: Option<&'a str>,
    pub value: Option<&'a str>,
    pub engagement: Option<&'a str>,
    pub max_times: Option<i32>,
}

impl ScoringCriterion {
    /// Decides the kind of rule from which fields are given and validates them; errors name the
    /// input field (`field`, `operator`, `value`, `engagement`, `maxTimes`).
    pub fn parse(raw: CriterionFields<'_>) -> Result<Self, FieldError> {
        fn given(text: Option<&str>) -> Option<&str> {
            text.map(str::trim).filter(|t| !t.is_empty())
        }
        let (field, operator, value) = (given(raw.field), given(raw.operator), given(raw.value));
        let firmographic = field.is_some() || operator.is_some() || value.is_some();
        match (firmographic, given(raw.engagement)) {
            (true, Some(_)) => Err(FieldError::new(
                "engagement",
                "a rule is firmographic (field, operator, value) or behavioural (engagement), not both",
            )),
            (false, None) => Err(FieldError::new(
                "field",
                "give field, operator and value for a firmographic rule, or engagement for a behavioural one",
            )),
            (false, Some(engagement)) => {
                let engagement = Slug::parse(engagement).map_err(|e| e.within("engagement"))?;
                if raw.max_times.is_some_and(|max| max < 1) {
                    return Err(FieldError::new(
                        "maxTimes",
                        "must be at least 1 (leave it out for no limit)",
                    ));
                }
                Ok(Self::Behavioural {
                    engagement,
                    max_times: raw.max_times,
                })
            }
            (true, None) => {
                if raw.max_times.is_some() {
                    return Err(FieldError::new(
                        "maxTimes",
                        "only behavioural (engagement) rules count repetitions",
                    ));
                }
                let required =
                    |name: &str| FieldError::new(name, "is required for a firmographic rule");
                let field = ScoringField::parse(field.ok_or_else(|| required("field"))?)
                    .map_err(|e| e.within("field"))?;
                let operator =
                    ScoringOperator::parse(operator.ok_or_else(|| required("operator"))?)
                        .map_err(|e| e.within("operator"))?;
                let value = value.ok_or_else(|| required("value"))?;
                let value = normalise_value(field, operator, value)?;
                Ok(Self::Firmographic {
                    field,
                    operator,
                    value,
                })
            }
        }
    }
}

/// Checks `value` against what `operator` and `field` need and returns its stored form.
fn normalise_value(
    field: ScoringField,
    operator: ScoringOperator,
    value: &str,
) -> Result<String, FieldError> {
    use ScoringOperator::*;
    let numeric = field.is_numeric();
    match operator {
        Between if !numeric => Err(FieldError::new(
            "operator",
            format!("between compares numbers, and {} is text", field.as_str()),
        )),
        Contains | ContainsAny if numeric => Err(FieldError::new(
            "operator",
            format!(
                "{} compares text, and {} is a number",
                operator.as_str(),
                field.as_str()
            ),
        )),
        Between => {
            let bounds = value
                .split(',')
                .map(|part| part.trim().parse::<i64>())
                .collect::<Vec<_>>();
            match bounds.as_slice() {
                [Ok(min), Ok(max)] if min <= max => Ok(format!("{min},{max}")),
                [Ok(min), Ok(max)] => Err(FieldError::new(
                    "value",
                    format!("minimum {min} is above maximum {max}"),
                )),
                _ => Err(FieldError::new(
                    "value",
                    format!("{value:?} is not \"min,max\" with two whole numbers"),
                )),
            }
        }
        In | ContainsAny => {
            let items: Vec<&str> = value.split(',').map(str::trim).collect();
            if items.iter().any(|item| item.is_empty()) {
                return Err(FieldError::new(
                    "value",
                    "is a comma-separated list without empty items",
                ));
            }
            if numeric {
                ensure_numbers(&items)?;
            }
            Ok(items.join(","))
        }
        Equals | Contains => {
            if numeric {
                ensure_numbers(&[value])?;
            }
            Ok(value.to_owned())
        }
    }
}

fn ensure_numbers(items: &[&str]) -> Result<(), FieldError> {
    match items.iter().find(|item| item.parse::<i64>().is_err()) {
        Some(item) => Err(FieldError::new(
            "value",
            format!("{item:?} is not a whole number"),
        )),
        None => Ok(()),
    }
}

/// A rule to create (no `id`) or replace (with `id`), validated at the API edge.
#[derive(Debug, Clone)]
pub struct ScoringRuleChange {
    pub id: Option<i64>,
    pub name: Name,
    /// Points awarded; negative points lower the score.
    pub points: i32,
    pub criterion: ScoringCriterion,
    pub active: bool,
}

/// Creates or replaces a scoring rule.
#[tracing::instrument(skip(db, change), fields(rule_id = ?change.id, name = change.name.as_str()))]
pub async fn upsert_scoring_rule(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    change: ScoringRuleChange,
) -> Result<scoring_rules::Model, ApiError> {
    let mut row = match change.id {
        Some(id) => scoring_rules::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(scoring_rules::ActiveModel::from)
            .ok_or_else(|| ApiError::not_found(format!("there is no scoring rule with id {id}")))?,
        None => scoring_rules::ActiveModel {
            created_at: Set(now),
            ..Default::default()
        },
    };
    let (field, operator, value, engagement, max_times) = match change.criterion {
        ScoringCriterion::Firmographic {
            field,
            operator,
            value,
        } => (
            Some(field.as_str().to_owned()),
            Some(operator.as_str().to_owned()),
            Some(value),
            None,
            None,
        ),
        ScoringCriterion::Behavioural {
            engagement,
            max_times,
        } => (None, None, None, Some(engagement.into_inner()), max_times),
    };
    row.name = Set(change.name.into_inner());
    row.points = Set(change.points);
    row.field = Set(field);
    row.operator = Set(operator);
    row.value = Set(value);
    row.engagement = Set(engagement);
    row.max_times = Set(max_times);
    row.active = Set(change.active);
    row.updated_at = Set(now);
    let saved = row.save(db).await?.try_into_model()?;
    tracing::info!(rule_id = saved.id, "scoring rule saved");
    Ok(saved)
}

/// All scoring rules, oldest first.
pub async fn list_scoring_rules(
    db: &DatabaseConnection,
) -> Result<Vec<scoring_rules::Model>, ApiError> {
    Ok(scoring_rules::Entity::find()
        .order_by_asc(scoring_rules::Column::Id)
        .all(db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn firmographic<'a>(field: &'a str, operator: &'a str, value: &'a str) -> CriterionFields<'a> {
        CriterionFields {
            field: Some(field),
            operator: Some(operator),
            value: Some(value),
            ..Default::default()
        }
    }

    #[test]
    fn valid_firmographic_values_are_normalised() {
        let cases = [
            (
                firmographic("companySize", "between", " 50 , 5000 "),
                "50,5000",
            ),
            (
                firmographic("title", "contains_any", "vp, director ,head"),
                "vp,director,head",
            ),
            (firmographic("country", "in", "DE,FR"), "DE,FR"),
            (firmographic("companySize", "equals", "200"), "200"),
            (
                firmographic("email_domain", "equals", "example.com"),
                "example.com",
            ),
        ];
        for (raw, stored) in cases {
            match ScoringCriterion::parse(raw) {
                Ok(ScoringCriterion::Firmographic { value, .. }) => {
                    assert_eq!(value, stored, "{raw:?}")
                }
                other => panic!("{raw:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn each_bad_criterion_names_its_field() {
        let behavioural = |engagement, max_times| CriterionFields {
            engagement: Some(engagement),
            max_times,
            ..Default::default()
        };
        let cases = [
            ("field", CriterionFields::default(), "neither kind"),
            (
                "engagement",
                CriterionFields {
                    engagement: Some("pricing_page"),
                    ..firmographic("title", "contains", "vp")
                },
                "both kinds",
            ),
            (
                "operator",
                CriterionFields {
                    operator: None,
                    ..firmographic("title", "contains", "vp")
                },
                "missing operator",
            ),
            (
                "value",
                CriterionFields {
                    value: None,
                    ..firmographic("title", "contains", "vp")
                },
                "missing value",
            ),
            (
                "field",
                firmographic("revenue", "equals", "1"),
                "unknown field",
            ),
            (
                "operator",
                firmographic("title", "like", "vp"),
                "unknown operator",
            ),
            (
                "value",
                firmographic("companySize", "between", "5000,50"),
                "min above max",
            ),
            (
                "value",
                firmographic("companySize", "between", "50"),
                "one bound",
            ),
            (
                "value",
                firmographic("companySize", "between", "a,b"),
                "not numbers",
            ),
            (
                "operator",
                firmographic("title", "between", "1,2"),
                "between on text",
            ),
            (
                "operator",
                firmographic("companySize", "contains", "5"),
                "contains on a number",
            ),
            (
                "value",
                firmographic("companySize", "in", "10,,20"),
                "empty list item",
            ),
            (
                "value",
                firmographic("companySize", "equals", "big"),
                "not a number",
            ),
            (
                "maxTimes",
                behavioural("pricing_page", Some(0)),
                "maxTimes below 1",
            ),
            (
                "engagement",
                behavioural("Pricing Page", None),
                "engagement not a key",
            ),
            (
                "maxTimes",
                CriterionFields {
                    max_times: Some(2),
                    ..firmographic("title", "contains", "vp")
                },
                "maxTimes on firmographic",
            ),
        ];
        for (field, raw, why) in cases {
            let error = ScoringCriterion::parse(raw).expect_err(why);
            assert_eq!(error.field, field, "{why}: {error}");
        }
    }

    #[test]
    fn behavioural_rules_may_leave_the_count_unlimited() {
        let rule = ScoringCriterion::parse(CriterionFields {
            engagement: Some("webinar_attended"),
            ..Default::default()
        });
        assert!(
            matches!(
                rule,
                Ok(ScoringCriterion::Behavioural {
                    max_times: None,
                    ..
                })
            ),
            "{rule:?}"
        );
    }
}
