use crate::FieldError;

/// A syntactically valid, normalised (trimmed, lower-case) e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let email = raw.trim().to_lowercase();
        let invalid = |why: &str| Err(FieldError::new("email", format!("{why}: {raw:?}")));
        if email.is_empty() {
            return invalid("is required");
        }
        if email.len() > 254 {
            return invalid("is longer than 254 characters");
        }
        let Some((local, domain)) = email.rsplit_once('@') else {
            return invalid("has no @");
        };
        if local.is_empty() || local.len() > 64 {
            return invalid("has an empty or overlong local part");
        }
        if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
            return invalid("has a misplaced dot");
        }
        let local_ok = local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
        if !local_ok {
            return invalid("has a character not allowed before the @");
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 {
            return invalid("has no domain after the @");
        }
        for label in &labels {
            let ok = !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            if !ok {
                return invalid("has an invalid domain");
            }
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part after the @, used for account matching and red-flag lists.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, d)| d)
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Email;

    #[test]
    fn addresses_are_trimmed_and_lower_cased() {
        let email = Email::parse("  Ada.Lovelace@Example.COM ").unwrap();
        assert_eq!(email.as_str(), "ada.lovelace@example.com");
        assert_eq!(email.domain(), "example.com");
    }

    #[test]
    fn malformed_addresses_name_the_field() {
        for bad in [
            "",
            "no-at",
            "a@b",
            "a@@b.com",
            ".a@b.com",
            "a b@c.com",
            "a@-b.com",
            "a@b..com",
        ] {
            let err = Email::parse(bad).expect_err(bad);
            assert_eq!(err.field, "email", "{bad}");
        }
    }
}
