//! `ScorePreview` and `RoutePreview`: what intake would make of a sample lead.

use async_graphql::{Context, Object, SimpleObject};
use handoff_shared::lead::{Assignment, MqlReason};

use super::intake::ScoreLine;
use super::user::{Team, User};
use crate::graphql::loaders::{load_team, load_user};
use crate::handoff::intake;

/// The score a sample lead would get on arrival, and whether it would become an MQL.
#[derive(Debug, Clone, SimpleObject)]
pub struct ScorePreview {
    /// The total, as `Lead.score` would read.
    pub score: i32,
    /// Each rule that counted, in rule order (red-flag penalties last).
    pub breakdown: Vec<ScoreLine>,
    /// The organisation's MQL threshold.
    pub threshold: i32,
    /// It would become an MQL at once.
    pub mql: bool,
    /// Why: `threshold` (the score reached it) or `instant_type` (its lead type is an MQL on
    /// arrival, e.g. a demo request); null when it would not.
    pub mql_reason: Option<String>,
    /// Red flags of its e-mail domain: `free_mail`, `disposable`, `competitor`.
    pub red_flags: Vec<String>,
    /// A competitor's address: intake would disqualify the lead instead.
    pub disqualified: bool,
}

impl From<intake::ScorePreview> for ScorePreview {
    fn from(p: intake::ScorePreview) -> Self {
        Self {
            score: p.score.total,
            breakdown: p.score.breakdown.into_iter().map(ScoreLine::from).collect(),
            threshold: p.threshold,
            mql: p.mql.is_some(),
            mql_reason: p.mql.map(|r| {
                match r {
                    MqlReason::Threshold => "threshold",
                    MqlReason::InstantType => "instant_type",
                    MqlReason::History => "history",
                }
                .to_owned()
            }),
            red_flags: p.red_flags.iter().map(|f| f.as_str().to_owned()).collect(),
            disqualified: p.disqualified,
        }
    }
}

/// Where a sample lead would be routed now, and why.
#[derive(Debug, Clone)]
pub struct RoutePreview(pub Assignment);

#[Object]
impl RoutePreview {
    /// The rep it would go to; null when it would wait in `team`'s queue.
    async fn owner(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        Ok(match self.0.owner_id {
            Some(id) => load_user(ctx, id).await?.map(User),
            None => None,
        })
    }

    /// The team it would belong to.
    async fn team(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Team>> {
        Ok(match self.0.team_id {
            Some(id) => load_team(ctx, id).await?.map(Team),
            None => None,
        })
    }

    /// The step that decided: `account_owner`, `round_robin` (weighted), `load_balanced`,
    /// `queue` (a queue team or a `queueOnly` rule) or `fallback` (no rule matched, or nobody in
    /// the rule's team was available: the `default` team).
    async fn method(&self) -> &str {
        &self.0.method
    }

    /// The routing rule that decided, by name; null for the fallback.
    async fn rule(&self) -> Option<&str> {
        self.0.rule.as_deref()
    }

    /// Who was passed over and why (out of office, at capacity, inactive), or that no rule
    /// matched.
    async fn detail(&self) -> Option<&str> {
        self.0.detail.as_deref()
    }
}
