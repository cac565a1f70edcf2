//! Which lead event starts, stops, pauses or moves which clock (CONTRACT.md section 6).

use handoff_shared::domain::{LeadStatus, SlaKind, SlaStartOn};
use handoff_shared::lead::LeadEvent;

/// What an event does to one open clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// The promise is kept (or finally broken): MET when at or before due, else BREACHED.
    Stop,
    /// The promise no longer applies.
    Cancel,
    /// Waiting on the lead: hold the clock (policies with `pause_on_response` only).
    Pause,
    /// The conversation moves again: count again.
    Resume,
    /// The lead has a new owner (or queue): keep elapsed time, recompute due in their calendar.
    Reassign,
}

/// What `event` does to an open clock of `kind` whose policy does (or does not) pause on a
/// reply.
///
/// A reply pauses the clocks of `pause_on_response` policies. A paused FIRST_RESPONSE clock
/// stays paused until the rep's next touch, which stops it; a paused ACCEPTANCE or
/// QUALIFICATION clock resumes at the lead's next engagement or the rep's next touch.
pub fn action(kind: SlaKind, pause_on_response: bool, event: &LeadEvent) -> Option<Action> {
    use SlaKind::{Acceptance, FirstResponse, Qualification};
    match (event, kind) {
        (LeadEvent::Assigned(_), _) => Some(Action::Reassign),
        (LeadEvent::Touch { .. }, FirstResponse) => Some(Action::Stop),
        (LeadEvent::Touch { .. } | LeadEvent::Engagement { .. }, Acceptance | Qualification) => {
            Some(Action::Resume)
        }
        (LeadEvent::Accepted, FirstResponse | Acceptance) => Some(Action::Stop),
        (LeadEvent::Rejected { .. }, _) => Some(Action::Stop),
        (LeadEvent::Disqualified { .. }, FirstResponse | Qualification) => Some(Action::Stop),
        (LeadEvent::Recycled { .. } | LeadEvent::Qualified { .. }, Qualification) => {
            Some(Action::Stop)
        }
        (LeadEvent::Responded, _) if pause_on_response => Some(Action::Pause),
        _ => None,
    }
    .or_else(|| leaves_open_stages(event).then_some(Action::Cancel))
}

/// Events after which no clock of the lead runs on: the lead went back to marketing, was
/// closed, or became an opportunity.
fn leaves_open_stages(event: &LeadEvent) -> bool {
    matches!(
        event.target_status(),
        Some(LeadStatus::Recycled | LeadStatus::Disqualified | LeadStatus::Opportunity)
    )
}

/// The start trigger `event` is, if any. An assignment starts clocks only when it names an
/// owner or a queue.
pub fn start_trigger(event: &LeadEvent) -> Option<SlaStartOn> {
    match event {
        LeadEvent::Mql { .. } => Some(SlaStartOn::Mql),
        LeadEvent::Assigned(a) if a.owner_id.is_some() || a.team_id.is_some() => {
            Some(SlaStartOn::Assigned)
        }
        LeadEvent::Accepted => Some(SlaStartOn::Accepted),
        _ => None,
    }
}

/// Whether a clock of `kind` can still be started for a lead now in `status`: the stage it
/// waits for has not been reached yet.
pub fn may_start(kind: SlaKind, status: LeadStatus) -> bool {
    match kind {
        SlaKind::FirstResponse | SlaKind::Acceptance => {
            matches!(status, LeadStatus::New | LeadStatus::Mql)
        }
        SlaKind::Qualification => {
            matches!(status, LeadStatus::New | LeadStatus::Mql | LeadStatus::Sal)
        }
    }
}

/// Whether `event` can change a clock at all; the hook skips the others without a query.
pub fn concerns_clocks(event: &LeadEvent) -> bool {
    !matches!(
        event,
        LeadEvent::Created { .. }
            | LeadEvent::Updated { .. }
            | LeadEvent::Scored { .. }
            | LeadEvent::RedFlag { .. }
            | LeadEvent::Sla(_)
    )
}

#[cfg(test)]
mod tests {
    use handoff_shared::domain::TouchChannel;
    use handoff_shared::lead::{Assignment, Bant, MqlReason};

    use super::*;

    fn touch() -> LeadEvent {
        LeadEvent::Touch {
            channel: TouchChannel::Call,
            outcome: "voicemail".into(),
            connected: false,
        }
    }

    fn assigned(owner: Option<i64>, team: Option<i64>) -> LeadEvent {
        LeadEvent::Assigned(Assignment {
            owner_id: owner,
            team_id: team,
            method: "manual".into(),
            rule: None,
            previous_owner_id: None,
            detail: None,
        })
    }

    #[test]
    fn each_kind_stops_at_the_events_of_the_contract() {
        use Action::*;
        use SlaKind::*;
        let rejected = LeadEvent::Rejected {
            reason_code: "bad_fit".into(),
            note: None,
            recycle_play: None,
        };
        let disqualified = LeadEvent::Disqualified {
            reason_code: "student".into(),
            note: None,
        };
        let recycled = LeadEvent::Recycled {
            reason_code: "no_response".into(),
            note: None,
            automatic: true,
        };
        let qualified = LeadEvent::Qualified {
            bant: Bant::default(),
        };
        let converted = LeadEvent::Converted { amount: None };
        let cases = [
            (
                FirstResponse,
                touch(),
                Some(Stop),
                "a touch is the first response",
            ),
            (
                FirstResponse,
                LeadEvent::Accepted,
                Some(Stop),
                "accepting responds",
            ),
            (
                FirstResponse,
                rejected.clone(),
                Some(Stop),
                "rejecting responds",
            ),
            (
                FirstResponse,
                disqualified.clone(),
                Some(Stop),
                "disqualifying responds",
            ),
            (
                FirstResponse,
                recycled.clone(),
                Some(Cancel),
                "recycling is no response",
            ),
            (Acceptance, touch(), Some(Resume), "a touch does not accept"),
            (Acceptance, LeadEvent::Accepted, Some(Stop), "accepted"),
            (
                Acceptance,
                rejected.clone(),
                Some(Stop),
                "rejection decides too",
            ),
            (
                Acceptance,
                disqualified.clone(),
                Some(Cancel),
                "closed without a decision",
            ),
            (Qualification, qualified.clone(), Some(Stop), "qualified"),
            (Qualification, disqualified, Some(Stop), "disqualified"),
            (Qualification, recycled, Some(Stop), "recycled"),
            (Qualification, rejected, Some(Stop), "a rejection recycles"),
            (
                Qualification,
                converted.clone(),
                Some(Cancel),
                "left the open stages",
            ),
            (
                FirstResponse,
                converted,
                Some(Cancel),
                "left the open stages",
            ),
            (
                FirstResponse,
                qualified,
                None,
                "qualification is not a response",
            ),
            (
                FirstResponse,
                LeadEvent::Engagement {
                    engagement: "x".into(),
                },
                None,
                "lead activity",
            ),
            (
                Qualification,
                assigned(Some(2), None),
                Some(Reassign),
                "new owner",
            ),
        ];
        for (kind, event, expected, why) in cases {
            assert_eq!(
                action(kind, false, &event),
                expected,
                "{kind} on {}: {why}",
                event.kind()
            );
        }
    }

    #[test]
    fn a_reply_pauses_only_clocks_whose_policy_says_so() {
        assert_eq!(
            action(SlaKind::FirstResponse, true, &LeadEvent::Responded),
            Some(Action::Pause)
        );
        assert_eq!(
            action(SlaKind::FirstResponse, false, &LeadEvent::Responded),
            None
        );
    }

    #[test]
    fn an_assignment_without_owner_or_queue_starts_nothing() {
        assert_eq!(start_trigger(&assigned(None, None)), None);
        assert_eq!(
            start_trigger(&assigned(None, Some(3))),
            Some(SlaStartOn::Assigned)
        );
        assert_eq!(
            start_trigger(&LeadEvent::Mql {
                reason: MqlReason::Threshold,
                score: 80
            }),
            Some(SlaStartOn::Mql)
        );
        assert_eq!(start_trigger(&touch()), None);
    }

    #[test]
    fn clocks_start_only_before_the_stage_they_wait_for() {
        assert!(may_start(SlaKind::FirstResponse, LeadStatus::Mql));
        assert!(!may_start(SlaKind::Acceptance, LeadStatus::Sal));
        assert!(may_start(SlaKind::Qualification, LeadStatus::Sal));
        assert!(!may_start(SlaKind::Qualification, LeadStatus::Recycled));
    }
}
