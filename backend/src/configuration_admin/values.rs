//! Validated values of configuration inputs. Each `parse` reports its problem with an empty
//! field path; the caller names the field with [`FieldError::within`].

use handoff_shared::FieldError;

/// Longest name or label accepted; longer is a paste accident, not a name.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest key or code accepted.
pub const MAX_SLUG_CHARS: usize = 64;

/// A display name or label: trimmed, 1 to [`MAX_NAME_CHARS`] characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name(String);

impl Name {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(FieldError::new("", "must not be empty"));
        }
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(FieldError::new(
                "",
                format!("must be at most {MAX_NAME_CHARS} characters"),
            ));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A machine key such as a lead type key, a rejection code or an engagement name:
/// `[a-z][a-z0-9_]*`, at most [`MAX_SLUG_CHARS`] characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slug(String);

impl Slug {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let slug = raw.trim();
        let mut chars = slug.chars();
        let well_formed = chars.next().is_some_and(|c| c.is_ascii_lowercase())
            && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !well_formed {
            return Err(FieldError::new(
                "",
                format!(
                    "{raw:?} is not a key: use lower-case letters, digits and _, starting with a letter (e.g. demo_request)"
                ),
            ));
        }
        if slug.len() > MAX_SLUG_CHARS {
            return Err(FieldError::new(
                "",
                format!("must be at most {MAX_SLUG_CHARS} characters"),
            ));
        }
        Ok(Self(slug.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl std::fmt::Display for Slug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Free text that may be left out: trimmed, and empty counts as absent.
pub fn optional_text(raw: Option<&str>) -> Result<Option<String>, FieldError> {
    match raw.map(str::trim).filter(|text| !text.is_empty()) {
        None => Ok(None),
        Some(text) if text.chars().count() > 2_000 => {
            Err(FieldError::new("", "must be at most 2000 characters"))
        }
        Some(text) => Ok(Some(text.to_owned())),
    }
}

/// A list a rule matches against: items trimmed, de-duplicated in order; an empty or absent
/// list is `None` (matches everything). A blank item is reported at its index (`[1]`).
pub fn match_list(raw: Option<&[String]>) -> Result<Option<Vec<String>>, FieldError> {
    let mut items: Vec<String> = Vec::new();
    for (index, item) in raw.unwrap_or_default().iter().enumerate() {
        let item = item.trim();
        if item.is_empty() {
            return Err(FieldError::new(format!("[{index}]"), "must not be blank"));
        }
        if !items.iter().any(|seen| seen == item) {
            items.push(item.to_owned());
        }
    }
    Ok((!items.is_empty()).then_some(items))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_must_not_be_blank() {
        assert_eq!(Name::parse("  EMEA  ").unwrap().as_str(), "EMEA");
        assert!(Name::parse("   ").is_err(), "blank");
        assert!(
            Name::parse(&"x".repeat(MAX_NAME_CHARS + 1)).is_err(),
            "too long"
        );
    }

    #[test]
    fn slugs_are_lower_case_letters_digits_and_underscores() {
        for good in ["bad_fit", "demo_request", "a", "webinar2"] {
            assert_eq!(Slug::parse(good).unwrap().as_str(), good, "{good}");
        }
        for bad in ["", "Bad_Fit", "2fast", "_x", "no-budget", "with space", "é"] {
            assert!(Slug::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn match_lists_are_trimmed_deduplicated_and_empty_means_all() {
        let raw = vec![" DE".to_owned(), "FR".to_owned(), "DE ".to_owned()];
        assert_eq!(
            match_list(Some(&raw)).unwrap(),
            Some(vec!["DE".to_owned(), "FR".to_owned()])
        );
        assert_eq!(match_list(Some(&[])).unwrap(), None);
        assert_eq!(match_list(None).unwrap(), None);
        let blank = vec!["DE".to_owned(), " ".to_owned()];
        assert_eq!(match_list(Some(&blank)).unwrap_err().field, "[1]");
    }

    #[test]
    fn empty_optional_text_is_absent() {
        assert_eq!(optional_text(Some("  ")).unwrap(), None);
        assert_eq!(
            optional_text(Some(" nurture ")).unwrap().as_deref(),
            Some("nurture")
        );
        assert_eq!(optional_text(None).unwrap(), None);
    }
}
