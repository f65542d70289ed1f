//! A real headless Chromium driven over WebDriver: Debian's `chromedriver` started on a free port for
//! one test, a `fantoccini` session on it, and the browser's console and network logs.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use civicgraph_tests::process::free_port;
use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

/// Where Debian's `chromium-driver` puts the driver; `CHROMEDRIVER` names another.
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// Debian's `chromium`; `CHROMIUM` names another.
const CHROMIUM: &str = "/usr/bin/chromium";

/// A browser session and the driver process behind it (killed when dropped).
pub struct Browser {
    /// The WebDriver session.
    pub client: Client,
    driver_url: String,
    session: String,
    http: reqwest::Client,
    _driver: tokio::process::Child,
}

/// The driver's path, or why there is none.
fn driver_path() -> Result<String, String> {
    let path = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| CHROMEDRIVER.to_owned());
    if Path::new(&path).exists() {
        Ok(path)
    } else {
        Err(format!(
            "chromedriver is not at {path}: install Debian's `chromium` and `chromium-driver` \
             (`apt-get install chromium chromium-driver`, as .ci/run does) or set CHROMEDRIVER"
        ))
    }
}

impl Browser {
    /// Starts chromedriver and a headless Chromium with a window of `width` × `height`, logging the
    /// console and the network; `None` (after saying so, or failing when Chromium is required, see
    /// `civicgraph_tests::unavailable`) when `test` cannot run here for want of chromedriver.
    pub async fn start(test: &str, width: u32, height: u32) -> Option<Browser> {
        let driver = match driver_path() {
            Ok(driver) => driver,
            Err(why) => {
                civicgraph_tests::unavailable("chromium", test, &why);
                return None;
            }
        };
        let port = free_port();
        let driver = tokio::process::Command::new(driver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver starts");
        let driver_url = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let mut ready = false;
        for _ in 0..200 {
            if let Ok(resp) = http.get(format!("{driver_url}/status")).send().await {
                let status: Value = resp.json().await.unwrap_or_default();
                if status["value"]["ready"] == true {
                    ready = true;
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(ready, "chromedriver did not answer on {driver_url}");
        let binary = std::env::var("CHROMIUM").unwrap_or_else(|_| CHROMIUM.to_owned());
        let mut options = json!({
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--no-first-run", "--disable-extensions", "--lang=zh-CN",
                     format!("--window-size={width},{height}")],
        });
        if Path::new(&binary).exists() {
            options["binary"] = json!(binary);
        }
        let capabilities = json!({
            "goog:chromeOptions": options,
            "goog:loggingPrefs": {"browser": "ALL", "performance": "ALL"},
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!()
        };
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&driver_url)
            .await
            .expect("a Chromium session starts");
        let session = client
            .session_id()
            .await
            .expect("the session id")
            .expect("a session");
        Some(Browser {
            client,
            driver_url,
            session,
            http,
            _driver: driver,
        })
    }

    /// The entries of the browser's log `kind` (`browser`: the console; `performance`: the DevTools
    /// events) since the last call.
    pub async fn log(&self, kind: &str) -> Vec<Value> {
        let url = format!("{}/session/{}/se/log", self.driver_url, self.session);
        let resp = self
            .http
            .post(url)
            .json(&json!({"type": kind}))
            .send()
            .await
            .expect("the driver answers");
        let body: Value = resp.json().await.expect("a JSON log");
        body["value"].as_array().cloned().unwrap_or_default()
    }

    /// Every URL the page requested (documents, scripts, XHR/fetch, websockets), from the DevTools
    /// network events of the performance log.
    pub async fn requested_urls(&self) -> Vec<String> {
        let mut urls = Vec::new();
        for entry in self.log("performance").await {
            let Some(text) = entry["message"].as_str() else {
                continue;
            };
            let Ok(message) = serde_json::from_str::<Value>(text) else {
                continue;
            };
            let message = &message["message"];
            match message["method"].as_str() {
                Some("Network.requestWillBeSent") => {
                    if let Some(url) = message["params"]["request"]["url"].as_str() {
                        urls.push(url.to_owned());
                    }
                }
                Some("Network.webSocketCreated") => {
                    if let Some(url) = message["params"]["url"].as_str() {
                        urls.push(url.to_owned());
                    }
                }
                _ => {}
            }
        }
        urls
    }

    /// Runs `script` in the page and answers its value.
    pub async fn eval(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("the script fails: {e}\n{script}"))
    }

    /// Waits (10 s at most) until `script` answers true.
    pub async fn wait_until(&self, what: &str, script: &str) {
        for _ in 0..200 {
            if self.eval(script).await == Value::Bool(true) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let console = self.log("browser").await;
        panic!("waited 10 s for {what} ({script}); console: {console:#?}");
    }

    /// Saves a screenshot of the window as `name.png` under the target directory's `screenshots/`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("a screenshot");
        let dir = screenshots_dir();
        std::fs::create_dir_all(&dir).expect("the screenshots directory");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("the screenshot is written");
        path
    }

    /// Ends the session and the driver.
    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}

/// `target/screenshots` (of the target directory the tests are built in).
pub fn screenshots_dir() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(tmp).join("screenshots")
}
