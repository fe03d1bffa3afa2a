//! The console in a real browser: Debian's chromium, driven through chromedriver (WebDriver, by
//! `fantoccini`), against `spares serve --demo`. A planner signs in, filters the worklist,
//! approves one proposal, rejects another and edits a quantity, then amends, short-closes and
//! cancels a purchase order on its page, and the API agrees; a technician
//! sees no procurement page; the language switch turns the pages into Chinese and back.
//!
//! Needs `chromium` and `chromedriver` (`apt-get install chromium chromium-driver`; or name them
//! with SPARES_CHROMIUM / SPARES_CHROMEDRIVER). Without them the test fails and says so: a
//! browser test that skips itself proves nothing. `UPDATE_SCREENSHOTS=1` also rewrites the
//! screenshots under docs/screenshots/.

mod orders;
mod processes;
mod screens;
mod steps;
mod warehouse;

use fantoccini::{Client, ClientBuilder};
use futures::FutureExt;
use serde_json::{json, Value};

use processes::{chromium, start_chromedriver, start_demo};

/// The API as the test's own check on what the browser did.
pub struct Api {
    client: reqwest::Client,
    base: String,
    key: String,
}

impl Api {
    pub async fn get(&self, path: &str) -> Value {
        let reply = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .send()
            .await
            .expect("API request");
        assert!(reply.status().is_success(), "GET {path}: {}", reply.status());
        reply.json().await.expect("JSON")
    }

    /// Makes a key of `role` and returns its secret.
    pub async fn key(&self, name: &str, role: &str) -> String {
        let reply = self
            .client
            .post(format!("{}/api/v1/keys", self.base))
            .bearer_auth(&self.key)
            .json(&json!({ "name": name, "role": role }))
            .send()
            .await
            .expect("API request");
        assert_eq!(reply.status(), 201, "POST /api/v1/keys");
        let body: Value = reply.json().await.expect("JSON");
        body["secret"].as_str().expect("secret").to_owned()
    }
}

/// A headless chromium with an English `Accept-Language`, so the switch is what changes it.
async fn browser(driver: &str) -> Client {
    let options = json!({
        "binary": chromium(),
        "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--window-size=1400,1000", "--lang=en-US"],
        "prefs": { "intl.accept_languages": "en-US,en" },
    });
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("goog:chromeOptions".into(), options);
    ClientBuilder::rustls()
        .expect("a WebDriver client")
        .capabilities(capabilities)
        .connect(driver)
        .await
        .unwrap_or_else(|e| panic!("chromedriver at {driver} opens no browser session: {e}"))
}

/// Runs `steps` against a demo service in a fresh browser, closing the browser even when a step
/// fails (then the failure is reported).
async fn in_browser<F>(steps: impl FnOnce(Client, Api, String) -> F)
where
    F: std::future::Future<Output = ()>,
{
    let demo = start_demo().await;
    let driver = start_chromedriver().await;
    let client = browser(&driver.url).await;
    let api = Api {
        client: reqwest::Client::new(),
        base: demo.address.clone(),
        key: demo.admin_key.clone(),
    };
    // The service lives here until the steps end (they get its address only).
    let outcome = std::panic::AssertUnwindSafe(steps(client.clone(), api, demo.address.clone()))
        .catch_unwind()
        .await;
    let _ = client.close().await;
    drop((driver, demo));
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

#[actix_web::test]
async fn a_planner_works_the_worklist_and_a_technician_sees_no_procurement_page_in_a_real_browser() {
    in_browser(|client, api, base| async move {
        let planner = api.key("browser-planner", "procurement").await;
        let technician = api.key("browser-technician", "repair").await;
        steps::planner_filters_approves_rejects_and_edits(&client, &api, &base, &planner).await;
        orders::planner_amends_short_closes_and_cancels_an_order(&client, &api, &base).await;
        steps::sign_out(&client).await;
        steps::technician_sees_no_procurement_page(&client, &base, &technician).await;
        steps::the_switch_turns_the_pages_into_chinese_and_back(&client).await;
        steps::sign_out(&client).await;
        screens::take(&client, &api, &base, &planner).await;
    })
    .await;
}
