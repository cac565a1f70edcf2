use super::string_enum;

string_enum! {
    /// The stage of a lead. Allowed moves are [`LeadStatus::allowed_next`]; every move is an event.
    pub enum LeadStatus {
        New => "NEW",
        Mql => "MQL",
        Sal => "SAL",
        Sql => "SQL",
        Opportunity => "OPPORTUNITY",
        Recycled => "RECYCLED",
        Disqualified => "DISQUALIFIED",
    }
}

impl LeadStatus {
    /// The stages a lead in `self` may move to. The one definition of the stage machine.
    pub const fn allowed_next(self) -> &'static [LeadStatus] {
        use LeadStatus::*;
        match self {
            New => &[Mql, Recycled, Disqualified],
            Mql => &[Sal, Recycled, Disqualified],
            Sal => &[Sql, Recycled, Disqualified],
            Sql => &[Opportunity, Recycled, Disqualified],
            Opportunity => &[],
            // Recycled leads return to marketing nurture and may qualify again.
            Recycled => &[Mql, Disqualified],
            Disqualified => &[],
        }
    }

    pub fn can_move_to(self, next: LeadStatus) -> bool {
        self.allowed_next().contains(&next)
    }

    /// Checks a move, explaining what is allowed instead.
    pub fn transition(self, next: LeadStatus) -> Result<LeadStatus, crate::FieldError> {
        if self.can_move_to(next) {
            return Ok(next);
        }
        let allowed = self.allowed_next();
        let message = if allowed.is_empty() {
            format!("a lead in {self} cannot change stage")
        } else {
            let names: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
            format!(
                "cannot move a lead from {self} to {next}; allowed: {}",
                names.join(", ")
            )
        };
        Err(crate::FieldError::new("status", message))
    }

    /// Open leads still waiting on sales.
    pub const fn is_open(self) -> bool {
        matches!(self, LeadStatus::Mql | LeadStatus::Sal | LeadStatus::Sql)
    }
}

#[cfg(test)]
mod tests {
    use super::LeadStatus::*;

    #[test]
    fn the_happy_path_is_allowed() {
        assert!(Mql.can_move_to(Sal));
        assert!(Sal.can_move_to(Sql));
        assert!(Sql.can_move_to(Opportunity));
    }

    #[test]
    fn skipping_acceptance_lists_the_allowed_moves() {
        let err = Mql.transition(Sql).unwrap_err();
        assert_eq!(err.field, "status");
        assert!(
            err.message.contains("SAL, RECYCLED, DISQUALIFIED"),
            "{}",
            err.message
        );
    }

    #[test]
    fn closed_stages_are_final() {
        assert!(Opportunity.allowed_next().is_empty());
        assert!(Disqualified.allowed_next().is_empty());
    }
}
