use super::string_enum;

string_enum! {
    /// What a user may do; checked in one place on the server.
    pub enum Role {
        Admin => "ADMIN",
        MarketingOps => "MARKETING_OPS",
        Manager => "MANAGER",
        Rep => "REP",
        Integration => "INTEGRATION",
    }
}

string_enum! {
    /// Which promise an SLA clock measures.
    pub enum SlaKind {
        FirstResponse => "FIRST_RESPONSE",
        Acceptance => "ACCEPTANCE",
        Qualification => "QUALIFICATION",
    }
}

string_enum! {
    /// The lifecycle of one SLA clock.
    pub enum SlaState {
        Running => "RUNNING",
        Paused => "PAUSED",
        Met => "MET",
        Breached => "BREACHED",
        Cancelled => "CANCELLED",
    }
}

string_enum! {
    /// A transition of an SLA clock, as written to the lead's event log and pushed to subscribers.
    pub enum SlaEventKind {
        Started => "STARTED",
        AtRisk50 => "AT_RISK_50",
        AtRisk80 => "AT_RISK_80",
        Breached => "BREACHED",
        Met => "MET",
        Paused => "PAUSED",
        Resumed => "RESUMED",
        Cancelled => "CANCELLED",
        Reassigned => "REASSIGNED",
    }
}

string_enum! {
    /// How a rep touched a lead.
    pub enum TouchChannel {
        Call => "CALL",
        Email => "EMAIL",
        Meeting => "MEETING",
        Social => "SOCIAL",
        Sms => "SMS",
    }
}

string_enum! {
    /// How a routing rule picks the owner inside its team.
    pub enum RoutingMethod {
        RoundRobin => "ROUND_ROBIN",
        LoadBalanced => "LOAD_BALANCED",
        AccountOwner => "ACCOUNT_OWNER",
    }
}

string_enum! {
    /// The lead event that starts an SLA clock.
    pub enum SlaStartOn {
        Mql => "mql",
        Assigned => "assigned",
        Accepted => "accepted",
    }
}

impl Role {
    /// Roles that administer configuration of the whole organisation.
    pub const fn is_admin(self) -> bool {
        matches!(self, Role::Admin)
    }
}
