//! Lead scoring: a pure function of the active scoring rules, the lead's profile, its red flags
//! and how often it engaged in each way.
//!
//! Firmographic rules compare one profile field with a value (`equals`, `in`, `between`,
//! `contains`, `contains_any`, text compared without regard to case); behavioural rules award
//! their points per engagement of their kind, up to `maxTimes`. Negative points lower the
//! score. A lead's own lead type counts as one engagement of that kind (a `demo_request` lead
//! has requested a demo once).

use std::collections::HashMap;

use handoff_shared::lead::{LeadProfile, ScoreLine};

use crate::configuration_admin::{
    CriterionFields, ScoringCriterion, ScoringField, ScoringOperator,
};
use crate::entities::scoring_rules;

/// Points a free-mail address costs (gmail.com, …): a private person more often than a buyer.
pub const FREE_MAIL_PENALTY: i32 = -10;
/// Points a disposable address costs (mailinator.com, …): hardly ever a real buyer.
pub const DISPOSABLE_PENALTY: i32 = -30;

/// An active scoring rule, read from its row into domain types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoringRule {
    pub id: i64,
    pub name: String,
    pub points: i32,
    pub criterion: ScoringCriterion,
}

impl ScoringRule {
    /// The active rules among `rows`; a row that no longer parses is skipped with a warning
    /// (it cannot be saved that way through the API).
    pub fn active(rows: Vec<scoring_rules::Model>) -> Vec<Self> {
        rows.into_iter()
            .filter(|row| row.active)
            .filter_map(|row| {
                let criterion = ScoringCriterion::parse(CriterionFields {
                    field: row.field.as_deref(),
                    operator: row.operator.as_deref(),
                    value: row.value.as_deref(),
                    engagement: row.engagement.as_deref(),
                    max_times: row.max_times,
                });
                match criterion {
                    Ok(criterion) => Some(Self {
                        id: row.id,
                        name: row.name,
                        points: row.points,
                        criterion,
                    }),
                    Err(error) => {
                        tracing::warn!(rule_id = row.id, %error, "scoring rule skipped");
                        None
                    }
                }
            })
            .collect()
    }
}

/// A data-quality red flag of a lead's e-mail domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RedFlag {
    FreeMail,
    Disposable,
    /// A competitor's address: the lead is disqualified, not scored down.
    Competitor,
}

impl RedFlag {
    /// The `domain_lists.list` name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::FreeMail => "free_mail",
            Self::Disposable => "disposable",
            Self::Competitor => "competitor",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim() {
            "free_mail" => Some(Self::FreeMail),
            "disposable" => Some(Self::Disposable),
            "competitor" => Some(Self::Competitor),
            _ => None,
        }
    }

    /// The score line this flag costs, if it costs points.
    pub fn penalty(self) -> Option<ScoreLine> {
        let (rule, points) = match self {
            Self::FreeMail => ("red flag: free-mail address", FREE_MAIL_PENALTY),
            Self::Disposable => ("red flag: disposable address", DISPOSABLE_PENALTY),
            Self::Competitor => return None,
        };
        Some(ScoreLine {
            rule_id: 0,
            rule: rule.to_owned(),
            points,
            times: 1,
        })
    }
}

/// The score and the lines that make it up, in rule order (penalties last).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Score {
    pub total: i32,
    pub breakdown: Vec<ScoreLine>,
}

/// Scores a lead. `engagements` counts the lead's engagements by kind (not including its lead
/// type, which this function counts once itself).
pub fn score(
    rules: &[ScoringRule],
    profile: &LeadProfile,
    flags: &[RedFlag],
    engagements: &HashMap<String, i32>,
) -> Score {
    let mut breakdown = Vec::new();
    for rule in rules {
        let times = match &rule.criterion {
            ScoringCriterion::Firmographic {
                field,
                operator,
                value,
            } => i32::from(matches(profile, *field, *operator, value)),
            ScoringCriterion::Behavioural {
                engagement,
                max_times,
            } => {
                let kind = engagement.as_str();
                let count = engagements.get(kind).copied().unwrap_or(0)
                    + i32::from(profile.lead_type == kind);
                max_times.map_or(count, |max| count.min(max))
            }
        };
        if times > 0 {
            breakdown.push(ScoreLine {
                rule_id: rule.id,
                rule: rule.name.clone(),
                points: rule.points.saturating_mul(times),
                times,
            });
        }
    }
    let mut seen = Vec::new();
    for flag in flags {
        if !seen.contains(flag) {
            seen.push(*flag);
            breakdown.extend(flag.penalty());
        }
    }
    let total = breakdown
        .iter()
        .fold(0i32, |sum, line| sum.saturating_add(line.points));
    Score { total, breakdown }
}

/// Whether the profile's `field` satisfies `operator value` (value as the rule stores it).
fn matches(
    profile: &LeadProfile,
    field: ScoringField,
    operator: ScoringOperator,
    value: &str,
) -> bool {
    use ScoringOperator::*;
    if field.is_numeric() {
        let Some(actual) = profile.company_size.map(i64::from) else {
            return false;
        };
        let numbers = || {
            value
                .split(',')
                .filter_map(|v| v.trim().parse::<i64>().ok())
        };
        return match operator {
            Equals => value.trim().parse::<i64>().is_ok_and(|v| v == actual),
            In => numbers().any(|v| v == actual),
            Between => {
                let bounds: Vec<i64> = numbers().collect();
                matches!(bounds.as_slice(), [min, max] if (*min..=*max).contains(&actual))
            }
            Contains | ContainsAny => false,
        };
    }
    let actual = match field {
        ScoringField::Title => profile.title.as_deref(),
        ScoringField::Industry => profile.industry.as_deref(),
        ScoringField::Country => profile.country.as_deref(),
        ScoringField::Region => profile.region.as_deref(),
        ScoringField::Source => profile.source.as_deref(),
        ScoringField::Campaign => profile.campaign.as_deref(),
        ScoringField::LeadType => Some(profile.lead_type.as_str()),
        ScoringField::EmailDomain => Some(profile.email_domain()),
        ScoringField::CompanySize => None,
    };
    let Some(actual) = actual.map(str::to_lowercase) else {
        return false;
    };
    let items = || value.split(',').map(|v| v.trim().to_lowercase());
    match operator {
        Equals => actual == value.trim().to_lowercase(),
        In => items().any(|v| v == actual),
        Contains => actual.contains(&value.trim().to_lowercase()),
        ContainsAny => items().any(|v| !v.is_empty() && actual.contains(&v)),
        Between => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::configuration_admin::Slug;

    fn firmographic(
        id: i64,
        points: i32,
        field: ScoringField,
        operator: ScoringOperator,
        value: &str,
    ) -> ScoringRule {
        ScoringRule {
            id,
            name: format!("rule {id}"),
            points,
            criterion: ScoringCriterion::Firmographic {
                field,
                operator,
                value: value.to_owned(),
            },
        }
    }

    fn behavioural(id: i64, points: i32, engagement: &str, max_times: Option<i32>) -> ScoringRule {
        ScoringRule {
            id,
            name: format!("rule {id}"),
            points,
            criterion: ScoringCriterion::Behavioural {
                engagement: Slug::parse(engagement).unwrap(),
                max_times,
            },
        }
    }

    fn profile() -> LeadProfile {
        LeadProfile {
            email: "ada@example.com".into(),
            title: Some("VP Engineering".into()),
            company_size: Some(200),
            country: Some("DE".into()),
            lead_type: "content_download".into(),
            ..Default::default()
        }
    }

    #[test]
    fn each_operator_matches_as_documented() {
        use ScoringField::*;
        use ScoringOperator::*;
        let cases = [
            (
                firmographic(1, 1, CompanySize, Between, "50,5000"),
                true,
                "size within",
            ),
            (
                firmographic(1, 1, CompanySize, Between, "500,5000"),
                false,
                "size below",
            ),
            (
                firmographic(1, 1, CompanySize, Equals, "200"),
                true,
                "size equals",
            ),
            (
                firmographic(1, 1, CompanySize, In, "10,200"),
                true,
                "size in",
            ),
            (
                firmographic(1, 1, Title, ContainsAny, "director,vp"),
                true,
                "title any",
            ),
            (
                firmographic(1, 1, Title, Contains, "engineering"),
                true,
                "case ignored",
            ),
            (firmographic(1, 1, Country, In, "de,fr"), true, "country in"),
            (
                firmographic(1, 1, Country, Equals, "FR"),
                false,
                "country differs",
            ),
            (
                firmographic(1, 1, Industry, Equals, "saas"),
                false,
                "missing field",
            ),
            (
                firmographic(1, 1, EmailDomain, Equals, "example.com"),
                true,
                "domain",
            ),
        ];
        for (rule, expected, why) in cases {
            let got = score(&[rule], &profile(), &[], &HashMap::new());
            assert_eq!(got.total == 1, expected, "{why}: {got:?}");
        }
    }

    #[test]
    fn engagement_counts_up_to_the_cap_and_the_lead_type_counts_once() {
        let rules = [
            behavioural(1, 15, "pricing_page", Some(2)),
            behavioural(2, 10, "content_download", Some(3)),
            behavioural(3, 5, "webinar_attended", None),
        ];
        let engagements = HashMap::from([
            ("pricing_page".to_owned(), 5),
            ("webinar_attended".to_owned(), 3),
        ]);
        let got = score(&rules, &profile(), &[], &engagements);
        assert_eq!(got.total, 30 + 10 + 15);
        let times: Vec<(i64, i32, i32)> = got
            .breakdown
            .iter()
            .map(|l| (l.rule_id, l.points, l.times))
            .collect();
        assert_eq!(times, vec![(1, 30, 2), (2, 10, 1), (3, 15, 3)]);
    }

    #[test]
    fn negative_rules_and_red_flags_lower_the_score() {
        let rules = [
            firmographic(
                1,
                25,
                ScoringField::CompanySize,
                ScoringOperator::Between,
                "50,5000",
            ),
            firmographic(2, -40, ScoringField::Country, ScoringOperator::Equals, "de"),
        ];
        let got = score(
            &rules,
            &profile(),
            &[RedFlag::FreeMail, RedFlag::FreeMail, RedFlag::Competitor],
            &HashMap::new(),
        );
        assert_eq!(got.total, 25 - 40 + FREE_MAIL_PENALTY);
        assert_eq!(
            got.breakdown.len(),
            3,
            "one line per flag, none for competitor"
        );
    }
}
