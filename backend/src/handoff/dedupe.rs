//! Data quality on the way in: red-flag domain lists (free-mail, disposable, competitor) and
//! their administration.
//!
//! Duplicate detection by e-mail lives in the intake (`intake.rs`): it needs the batch.

use std::collections::{BTreeMap, HashSet};

use handoff_shared::FieldError;
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, DatabaseConnection, EntityTrait as _, QueryFilter as _,
    QueryOrder as _, Set, TransactionTrait as _,
};

use crate::entities::domain_lists;
use crate::error::ApiError;
use crate::handoff::scoring::RedFlag;

/// Most domains one list may hold.
pub const MAX_DOMAINS: usize = 10_000;

/// The red-flag lists, loaded once per intake.
#[derive(Debug, Clone, Default)]
pub struct DomainLists {
    free_mail: HashSet<String>,
    disposable: HashSet<String>,
    competitor: HashSet<String>,
}

impl DomainLists {
    pub async fn load(conn: &impl ConnectionTrait) -> Result<Self, ApiError> {
        let mut lists = Self::default();
        for row in domain_lists::Entity::find().all(conn).await? {
            let domain = row.domain.trim().to_lowercase();
            match RedFlag::parse(&row.list) {
                Some(RedFlag::FreeMail) => lists.free_mail.insert(domain),
                Some(RedFlag::Disposable) => lists.disposable.insert(domain),
                Some(RedFlag::Competitor) => lists.competitor.insert(domain),
                None => false,
            };
        }
        Ok(lists)
    }

    /// The flags of an e-mail domain; a listed domain also flags its subdomains
    /// (`eu.acme.com` is `acme.com`).
    pub fn flags(&self, domain: &str) -> Vec<RedFlag> {
        let listed = |set: &HashSet<String>| {
            let mut rest = domain;
            loop {
                if set.contains(rest) {
                    return true;
                }
                match rest.split_once('.') {
                    Some((_, parent)) if parent.contains('.') => rest = parent,
                    _ => return false,
                }
            }
        };
        let mut flags = Vec::new();
        if listed(&self.competitor) {
            flags.push(RedFlag::Competitor);
        }
        if listed(&self.disposable) {
            flags.push(RedFlag::Disposable);
        }
        if listed(&self.free_mail) {
            flags.push(RedFlag::FreeMail);
        }
        flags
    }

    /// Domains that identify no company: free-mail and disposable ones.
    pub fn generic(&self) -> HashSet<String> {
        self.free_mail.union(&self.disposable).cloned().collect()
    }
}

/// A domain as a list holds it: lower-case, without a leading `@`, with at least one dot.
pub fn parse_domain(raw: &str) -> Result<String, FieldError> {
    let domain = raw.trim().trim_start_matches('@').to_lowercase();
    let ok = domain.contains('.')
        && domain.len() <= 253
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if ok {
        Ok(domain)
    } else {
        Err(FieldError::new(
            "",
            format!("{raw:?} is not a domain such as gmail.com"),
        ))
    }
}

/// A whole list, validated at the edge: its domains de-duplicated and sorted.
#[derive(Debug, Clone)]
pub struct DomainListChange {
    pub list: RedFlag,
    pub domains: Vec<String>,
}

/// Replaces the domains of one list.
#[tracing::instrument(skip(db, change), fields(list = change.list.as_str(), domains = change.domains.len()))]
pub async fn replace_domain_list(
    db: &DatabaseConnection,
    change: DomainListChange,
) -> Result<Vec<String>, ApiError> {
    let txn = db.begin().await?;
    domain_lists::Entity::delete_many()
        .filter(domain_lists::Column::List.eq(change.list.as_str()))
        .exec(&txn)
        .await?;
    for chunk in change.domains.chunks(500) {
        domain_lists::Entity::insert_many(chunk.iter().map(|domain| domain_lists::ActiveModel {
            domain: Set(domain.clone()),
            list: Set(change.list.as_str().to_owned()),
            ..Default::default()
        }))
        .on_empty_do_nothing()
        .exec_without_returning(&txn)
        .await?;
    }
    txn.commit().await?;
    tracing::info!("domain list replaced");
    Ok(change.domains)
}

/// Every list with its domains, by list name.
pub async fn list_domain_lists(
    db: &DatabaseConnection,
) -> Result<BTreeMap<String, Vec<String>>, ApiError> {
    let mut lists: BTreeMap<String, Vec<String>> =
        [RedFlag::Competitor, RedFlag::Disposable, RedFlag::FreeMail]
            .iter()
            .map(|flag| (flag.as_str().to_owned(), Vec::new()))
            .collect();
    let rows = domain_lists::Entity::find()
        .order_by_asc(domain_lists::Column::Domain)
        .all(db)
        .await?;
    for row in rows {
        lists.entry(row.list).or_default().push(row.domain);
    }
    Ok(lists)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subdomains_of_a_listed_domain_are_flagged() {
        let lists = DomainLists {
            competitor: HashSet::from(["acme.com".to_owned()]),
            free_mail: HashSet::from(["gmail.com".to_owned()]),
            ..Default::default()
        };
        assert_eq!(lists.flags("eu.acme.com"), vec![RedFlag::Competitor]);
        assert_eq!(lists.flags("gmail.com"), vec![RedFlag::FreeMail]);
        assert!(lists.flags("example.com").is_empty());
        assert!(lists.flags("com").is_empty());
    }

    #[test]
    fn domains_are_normalised() {
        assert_eq!(parse_domain(" @Gmail.COM ").unwrap(), "gmail.com");
        assert!(parse_domain("localhost").is_err());
        assert!(parse_domain("a..b").is_err());
    }
}
