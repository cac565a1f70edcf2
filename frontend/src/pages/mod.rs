//! One module per screen.

pub mod home;
pub mod login;

pub use home::HomePage;
pub use login::LoginPage;
