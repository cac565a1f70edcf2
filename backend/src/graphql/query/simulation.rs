//! What-if: `simulateSlaPolicy`, the SLA compliance report under a changed policy, with the
//! permissions of the reports (`super::reports::filter_for`).

use async_graphql::{Context, Object};

use super::reports::filter_for;
use crate::graphql::types::reports::ReportFilterInput;
use crate::graphql::types::simulation::{SlaPolicyChangeInput, SlaPolicySimulation};
use crate::reports::simulation;

#[derive(Default)]
pub struct SimulationQuery;

#[Object]
impl SimulationQuery {
    /// SLA compliance of the period as it is and as it would have been had the policy of
    /// `policy.leadType` and `policy.kind` promised `policy.targetSeconds` (and counted in the
    /// given calendar): its clocks replayed from the event log in memory, nothing written.
    /// The other lead types' clocks of the kind count as they are.
    async fn simulate_sla_policy(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changed promise.")] policy: SlaPolicyChangeInput,
        #[graphql(desc = "Period (default the last 30 days) and who and what to count.")]
        filter: Option<ReportFilterInput>,
    ) -> async_graphql::Result<SlaPolicySimulation> {
        let (state, filter) = filter_for(ctx, filter).await?;
        let (kind, target) = (policy.kind, policy.target_seconds);
        let change = policy.resolve()?;
        let result = simulation::simulate(&state.db, &filter, &change, state.clock.now()).await?;
        Ok(SlaPolicySimulation::new(
            filter.period,
            kind,
            target,
            result,
        ))
    }
}
