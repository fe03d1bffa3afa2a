//! Throw-away PostgreSQL clusters for the failover test: a primary and a synchronous standby made
//! with initdb and pg_basebackup in a temporary folder, on free loopback ports. Nothing touches
//! the shared server at 5432. The servers run as the `postgres` user when the test runs as root
//! (PostgreSQL refuses root), and are SIGKILLed and deleted when the guard drops, also on failure.

use std::fs::{self, OpenOptions};
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The standby's `application_name`, named in the primary's `synchronous_standby_names`.
const STANDBY_NAME: &str = "standby";

/// Where PostgreSQL 15's programs are (`SPARES_PG_BIN` overrides).
fn bin(program: &str) -> PathBuf {
    let dir = std::env::var("SPARES_PG_BIN").unwrap_or_else(|_| "/usr/lib/postgresql/15/bin".to_owned());
    let path = Path::new(&dir).join(program);
    assert!(
        path.exists(),
        "{} is missing: the failover test needs PostgreSQL 15's server programs (set SPARES_PG_BIN)",
        path.display()
    );
    path
}

/// The user and group the servers run as: `postgres` when we are root, else ourselves.
#[derive(Clone, Copy)]
struct RunAs(Option<(u32, u32)>);

impl RunAs {
    fn detect() -> Self {
        let root = fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false);
        if !root {
            return RunAs(None);
        }
        let passwd = fs::read_to_string("/etc/passwd").expect("/etc/passwd readable");
        let ids = passwd
            .lines()
            .map(|line| line.split(':').collect::<Vec<_>>())
            .find(|fields| fields.first() == Some(&"postgres") && fields.len() > 3)
            .and_then(|fields| Some((fields[2].parse().ok()?, fields[3].parse().ok()?)))
            .expect("running as root, the failover test needs a `postgres` user to run the servers");
        RunAs(Some(ids))
    }

    fn command(self, program: &str) -> Command {
        let mut command = Command::new(bin(program));
        if let Some((uid, gid)) = self.0 {
            command.uid(uid).gid(gid);
        }
        command
    }

    fn give(self, path: &Path) {
        if let Some((uid, gid)) = self.0 {
            std::os::unix::fs::chown(path, Some(uid), Some(gid)).expect("chown to postgres");
        }
    }
}

fn succeed(mut command: Command, what: &str) -> Output {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{what} does not start: {e}"));
    assert!(
        output.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// One running server: its data folder, port and postmaster (leader of its own process group).
pub struct Server {
    pub port: u16,
    data: PathBuf,
    postmaster: Option<Child>,
}

impl Server {
    /// SIGKILLs the postmaster and every backend, as if its machine had gone: the whole process
    /// group, so no backend lingers to commit for a client after the "machine" is gone.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.postmaster.take() {
            let group = format!("-{}", child.id());
            let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
            let _ = child.wait();
        }
    }
}

/// A primary with one synchronous standby, deleted when dropped.
pub struct Pair {
    pub primary: Server,
    pub standby: Server,
    run_as: RunAs,
    socket_dir: PathBuf,
    _root: tempfile::TempDir,
}

impl Drop for Pair {
    fn drop(&mut self) {
        self.primary.kill();
        self.standby.kill();
        // The TempDir removes the folders after this.
    }
}

impl Pair {
    /// initdb a primary, pg_basebackup a standby from it, start both and wait until the standby
    /// is the primary's synchronous standby.
    pub fn start() -> Pair {
        let run_as = RunAs::detect();
        let root = tempfile::Builder::new()
            .prefix("spares-failover-")
            .tempdir()
            .expect("temp dir");
        run_as.give(root.path());
        let socket_dir = root.path().to_path_buf();
        let primary_data = root.path().join("primary");
        let mut initdb = run_as.command("initdb");
        initdb
            .args([
                "--auth=trust",
                "--username=postgres",
                "--encoding=UTF8",
                "--no-sync",
                "-D",
            ])
            .arg(&primary_data);
        succeed(initdb, "initdb");
        let mut pair = Pair {
            primary: Server {
                port: free_port(),
                data: primary_data,
                postmaster: None,
            },
            standby: Server {
                port: free_port(),
                data: root.path().join("standby"),
                postmaster: None,
            },
            run_as,
            socket_dir,
            _root: root,
        };
        // Commits wait until the standby has flushed them: what makes failover lose nothing.
        let sync = [
            "synchronous_commit=on".to_owned(),
            format!("synchronous_standby_names={STANDBY_NAME}"),
        ];
        pair.launch(true, &sync);
        pair.wait_ready(pair.primary.port);
        let mut basebackup = run_as.command("pg_basebackup");
        basebackup
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &pair.primary.port.to_string(),
                "-U",
                "postgres",
            ])
            .args([
                "--wal-method=stream",
                "--checkpoint=fast",
                "--write-recovery-conf",
                "-D",
            ])
            .arg(&pair.standby.data);
        succeed(basebackup, "pg_basebackup");
        let conninfo = format!(
            "primary_conninfo=host=127.0.0.1 port={} user=postgres application_name={STANDBY_NAME}",
            pair.primary.port
        );
        pair.launch(false, &[conninfo]);
        pair.wait_ready(pair.standby.port);
        pair.wait_until_synchronous();
        pair
    }

    /// Starts one server's postmaster in its own process group with `settings` (`name=value`).
    fn launch(&mut self, primary: bool, settings: &[String]) {
        let server = if primary { &mut self.primary } else { &mut self.standby };
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(server.data.with_extension("log"))
            .expect("server log");
        let mut command = self.run_as.command("postgres");
        command
            .arg("-D")
            .arg(&server.data)
            .args([
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                &format!("port={}", server.port),
            ])
            .arg("-c")
            .arg(format!("unix_socket_directories={}", self.socket_dir.display()))
            .args([
                "-c",
                "max_connections=60",
                "-c",
                "shared_buffers=32MB",
                "-c",
                "wal_level=replica",
            ])
            .args(settings.iter().flat_map(|s| ["-c", s.as_str()]))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .process_group(0);
        server.postmaster = Some(command.spawn().expect("postgres starts"));
    }

    fn wait_ready(&self, port: u16) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            let ready = Command::new(bin("pg_isready"))
                .args(["-q", "-h", "127.0.0.1", "-U", "postgres", "-p", &port.to_string()])
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            if ready {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("PostgreSQL on port {port} did not become ready: {}", self.logs());
    }

    fn wait_until_synchronous(&self) {
        let query = format!("SELECT sync_state FROM pg_stat_replication WHERE application_name = '{STANDBY_NAME}'");
        for _ in 0..300 {
            if psql(self.primary.port, "postgres", &query) == "sync" {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("the standby never became synchronous: {}", self.logs());
    }

    /// Both servers' logs, for failure messages.
    pub fn logs(&self) -> String {
        [&self.primary, &self.standby]
            .iter()
            .map(|s| {
                let log = fs::read_to_string(s.data.with_extension("log")).unwrap_or_default();
                format!("\n--- {} ---\n{log}", s.data.display())
            })
            .collect()
    }
}

/// Runs one statement with psql and returns its unaligned, trimmed output. The session is
/// read-write even on a server fenced with `default_transaction_read_only`, which the test
/// itself sets and lifts.
pub fn psql(port: u16, database: &str, sql: &str) -> String {
    let mut psql = Command::new(bin("psql"));
    psql.args([
        "-X",
        "-At",
        "-v",
        "ON_ERROR_STOP=1",
        "-h",
        "127.0.0.1",
        "-U",
        "postgres",
    ])
    .args(["-p", &port.to_string(), "-d", database, "-c", sql])
    .env("PGOPTIONS", "-c default_transaction_read_only=off");
    let output = succeed(psql, &format!("psql {sql:?}"));
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// Dumps `from` with pg_dump (custom format) and restores it into a new database `to`.
pub fn dump_and_restore(port: u16, from: &str, to: &str) {
    let folder = tempfile::tempdir().expect("temp dir");
    let file = folder.path().join("spares.dump");
    let port_text = port.to_string();
    let mut dump = Command::new(bin("pg_dump"));
    dump.args([
        "-Fc",
        "-h",
        "127.0.0.1",
        "-p",
        &port_text,
        "-U",
        "postgres",
        "-d",
        from,
        "-f",
    ])
    .arg(&file);
    succeed(dump, "pg_dump");
    psql(port, "postgres", &format!("CREATE DATABASE {to}"));
    let mut restore = Command::new(bin("pg_restore"));
    restore
        .args([
            "--no-owner",
            "--exit-on-error",
            "-h",
            "127.0.0.1",
            "-p",
            &port_text,
            "-U",
            "postgres",
            "-d",
            to,
        ])
        .arg(&file);
    succeed(restore, "pg_restore");
}

/// Promotes the standby on `port` and waits until it accepts writes. Alone after the failover,
/// it must not wait for a synchronous standby of its own: it was started without one.
pub fn promote(port: u16) {
    assert_eq!(psql(port, "postgres", "SELECT pg_promote(true, 60)"), "t", "pg_promote");
}
