//! Domain vocabulary: enums and validated newtypes shared by server and browser.

mod email;
mod enums;
mod status;

pub use email::Email;
pub use enums::{Role, RoutingMethod, SlaEventKind, SlaKind, SlaStartOn, SlaState, TouchChannel};
pub use status::LeadStatus;

/// Implements `as_str`, `parse` (case-insensitive), `ALL`, `Display` and `FromStr` for a plain enum
/// whose external names are fixed by the integration contract.
macro_rules! string_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        $vis enum $name { $(#[serde(rename = $text)] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the contract name, ignoring ASCII case.
            pub fn parse(text: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str().eq_ignore_ascii_case(text.trim()))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.as_str()) }
        }

        impl std::str::FromStr for $name {
            type Err = crate::FieldError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s).ok_or_else(|| crate::FieldError::new(
                    "",
                    format!(
                        "unknown value {s:?}; expected one of {}",
                        Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                ))
            }
        }
    };
}
pub(crate) use string_enum;
