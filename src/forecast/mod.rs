//! Forecasting as the service uses it: the pure engine [`spares_core::forecast`], re-exported,
//! plus [`batch`], the CSV front-end of `spares forecast`.

pub mod batch;

pub use spares_core::forecast::*;
