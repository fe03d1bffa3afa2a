//! The console's language: Simplified Chinese or English, from the `spares_lang` cookie (set by
//! the switch on every page) or else the browser's `Accept-Language`. Texts are in
//! `locales/*.yml`, compiled in by `rust-i18n`.

use actix_web::http::header;
use actix_web::HttpRequest;

pub const COOKIE: &str = "spares_lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    ZhCn,
}

impl Lang {
    /// The locale name the texts are filed under (and the page's `lang` attribute).
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "en" => Some(Lang::En),
            "zh-cn" => Some(Lang::ZhCn),
            _ => None,
        }
    }

    /// The other language, which the switch offers.
    pub fn other(self) -> Lang {
        match self {
            Lang::En => Lang::ZhCn,
            Lang::ZhCn => Lang::En,
        }
    }

    /// The text filed under `key`.
    pub fn t(self, key: &str) -> String {
        rust_i18n::t!(key, locale = self.code()).into_owned()
    }

    pub fn of(req: &HttpRequest) -> Lang {
        if let Some(lang) = req.cookie(COOKIE).and_then(|c| Lang::parse(c.value())) {
            return lang;
        }
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .map(from_accept_language)
            .unwrap_or(Lang::En)
    }
}

/// The preferred of our two languages in an `Accept-Language` value: the highest `q` among
/// `zh*` and `en*` ranges (any Chinese range counts as Simplified Chinese: the users are in
/// mainland China), English when neither is named.
pub fn from_accept_language(value: &str) -> Lang {
    let mut best: Option<(f32, Lang)> = None;
    for range in value.split(',') {
        let mut parts = range.split(';');
        let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok()))
            .unwrap_or(1.0);
        let lang = if tag.starts_with("zh") {
            Lang::ZhCn
        } else if tag.starts_with("en") {
            Lang::En
        } else {
            continue;
        };
        if best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, lang));
        }
    }
    best.map_or(Lang::En, |(_, lang)| lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_preferred_of_chinese_and_english() {
        assert_eq!(from_accept_language("zh-CN,zh;q=0.9,en;q=0.8"), Lang::ZhCn);
        assert_eq!(from_accept_language("en-US,en;q=0.9,zh-CN;q=0.5"), Lang::En);
        assert_eq!(from_accept_language("de-DE, zh;q=0.3"), Lang::ZhCn);
        assert_eq!(from_accept_language("fr"), Lang::En);
    }

    #[test]
    fn every_text_exists_in_both_languages() {
        for key in ["nav.worklist", "login.title", "login.submit"] {
            assert_ne!(Lang::En.t(key), key, "{key} missing in en");
            assert_ne!(Lang::ZhCn.t(key), key, "{key} missing in zh-CN");
            assert_ne!(Lang::En.t(key), Lang::ZhCn.t(key), "{key} untranslated");
        }
    }
}
