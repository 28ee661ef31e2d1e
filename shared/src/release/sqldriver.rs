//! Helm's SQL storage driver (`HELM_DRIVER=sql`, Helm's `pkg/storage/driver/sql.go`) on PostgreSQL: the
//! tables `releases_v1` and `custom_labels_v1`, created by sql-migrate's migrations `init` and
//! `custom_labels` (recorded in `gorp_migrations`), one row per revision holding Helm's base64 gzip JSON
//! body, so Helm and kubectl release read and write each other's releases in one database.
//!
//! Beyond Helm: a schema this driver does not know (a migration id it has not heard of, a missing
//! column, tables without their migration record) is refused before anything is written; a revision is
//! written in one transaction; a connection the server dropped (a restart) is opened again, and a
//! statement that never reached the server is sent again.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use postgres::config::{Host, SslMode};
use postgres::{Client, Config, NoTls};

use super::record::{self, Release};
use super::storage::{self, Driver, Entry, StorageError};

/// The environment variable holding the connection string, as Helm names it.
pub const CONNECTION_ENV: &str = "HELM_DRIVER_SQL_CONNECTION_STRING";
/// Helm's table of revisions.
pub const RELEASES_TABLE: &str = "releases_v1";
/// Helm's table of the user labels of each revision.
pub const LABELS_TABLE: &str = "custom_labels_v1";
/// sql-migrate's record of the migrations applied.
pub const MIGRATIONS_TABLE: &str = "gorp_migrations";

/// The `owner` and `type` columns Helm writes.
const OWNER: &str = "helm";
const RELEASE_TYPE: &str = "helm.sh/release.v1";
/// How long connecting may take unless the connection string says (`connect_timeout`).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Helm's migrations, by id, with the statements it runs (identifiers unquoted as Helm writes them, so
/// PostgreSQL folds `createdAt` to `createdat`). sql-migrate applies them in id order.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "custom_labels",
        "CREATE TABLE custom_labels_v1 (releaseKey VARCHAR(64), releaseNamespace VARCHAR(67), key VARCHAR(317), value VARCHAR(63));
         CREATE INDEX ON custom_labels_v1 (releaseKey, releaseNamespace);
         GRANT ALL ON custom_labels_v1 TO PUBLIC;
         ALTER TABLE custom_labels_v1 ENABLE ROW LEVEL SECURITY;",
    ),
    (
        "init",
        "CREATE TABLE releases_v1 (key VARCHAR(90), type VARCHAR(64) NOT NULL, body TEXT NOT NULL,
             name VARCHAR(64) NOT NULL, namespace VARCHAR(64) NOT NULL, version INTEGER NOT NULL,
             status TEXT NOT NULL, owner TEXT NOT NULL, createdAt INTEGER NOT NULL,
             modifiedAt INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(key, namespace));
         CREATE INDEX ON releases_v1 (key, namespace);
         CREATE INDEX ON releases_v1 (version);
         CREATE INDEX ON releases_v1 (status);
         CREATE INDEX ON releases_v1 (owner);
         CREATE INDEX ON releases_v1 (createdAt);
         CREATE INDEX ON releases_v1 (modifiedAt);
         GRANT ALL ON releases_v1 TO PUBLIC;
         ALTER TABLE releases_v1 ENABLE ROW LEVEL SECURITY;",
    ),
];

/// The columns each table must have, and whether each is an integer.
const RELEASE_COLUMNS: &[(&str, bool)] = &[
    ("key", false),
    ("type", false),
    ("body", false),
    ("name", false),
    ("namespace", false),
    ("version", true),
    ("status", false),
    ("owner", false),
    ("createdat", true),
    ("modifiedat", true),
];
const LABEL_COLUMNS: &[(&str, bool)] = &[
    ("releasekey", false),
    ("releasenamespace", false),
    ("key", false),
    ("value", false),
];

/// Helm's system labels that are columns of `releases_v1` (the rest of a selector are custom labels).
const LABEL_COLUMN: &[(&str, &str)] = &[
    ("name", "name"),
    ("status", "status"),
    ("owner", "owner"),
    ("version", "version"),
    ("createdAt", "createdat"),
    ("modifiedAt", "modifiedat"),
];

/// A failed database call: `unsent` when nothing of it can have reached the server (so it may be sent
/// again on a new connection).
struct Fail {
    error: postgres::Error,
    unsent: bool,
}

impl From<postgres::Error> for Fail {
    fn from(error: postgres::Error) -> Self {
        Fail {
            error,
            unsent: false,
        }
    }
}

/// A read: every statement may be sent again.
fn read(error: postgres::Error) -> Fail {
    Fail {
        error,
        unsent: true,
    }
}

/// The SQL driver, bound to a namespace ("" = every namespace, for listing).
pub struct SqlDriver {
    config: Config,
    /// `host:port` (or the socket) for messages.
    target: String,
    namespace: String,
    client: Mutex<Option<Client>>,
}

impl SqlDriver {
    /// Connects with `HELM_DRIVER_SQL_CONNECTION_STRING`, then makes sure the schema is Helm's (creating
    /// it as Helm does on a fresh database).
    pub fn from_env(namespace: &str) -> Result<Self, StorageError> {
        let text = std::env::var(CONNECTION_ENV).unwrap_or_default();
        if text.trim().is_empty() {
            return Err(StorageError::Other(format!(
                "unable to instantiate SQL driver: HELM_DRIVER=sql needs {CONNECTION_ENV}, a PostgreSQL URL such as postgres://user:password@host:5432/db?sslmode=disable or key=value settings such as \"host=... port=... user=... dbname=... sslmode=disable\""
            )));
        }
        Self::open(&text, namespace)
    }

    /// Connects with a connection string (URL or key=value settings, as Helm's lib/pq takes them, with
    /// its `PG*` environment defaults) and checks or creates the schema.
    pub fn open(connection: &str, namespace: &str) -> Result<Self, StorageError> {
        let config = parse_config(connection)
            .map_err(|e| StorageError::Other(format!("unable to instantiate SQL driver: {e}")))?;
        let target = describe_target(&config);
        let driver = SqlDriver {
            config,
            target,
            namespace: namespace.to_string(),
            client: Mutex::new(None),
        };
        driver
            .ensure_schema()
            .map_err(|e| StorageError::Other(format!("unable to instantiate SQL driver: {e}")))?;
        Ok(driver)
    }

    /// Where the database is, as messages name it.
    pub fn target(&self) -> &str {
        &self.target
    }

    fn connect(&self) -> Result<Client, String> {
        self.config.connect(NoTls).map_err(|e| {
            format!(
                "cannot connect to PostgreSQL at {}: {}",
                self.target,
                cause(&e)
            )
        })
    }

    /// Runs `f` on the connection, opening it (again) when there is none or the server closed it. A call
    /// that failed on a closed connection before anything reached the server is run once more.
    fn call<T>(
        &self,
        what: &str,
        mut f: impl FnMut(&mut Client) -> Result<T, Fail>,
    ) -> Result<T, StorageError> {
        let mut guard = self
            .client
            .lock()
            .map_err(|_| StorageError::Other("SQL driver: connection lock poisoned".into()))?;
        for attempt in 0..2 {
            if guard.as_ref().is_none_or(Client::is_closed) {
                *guard = Some(
                    self.connect()
                        .map_err(|e| StorageError::Other(format!("{what}: {e}")))?,
                );
            }
            let client = guard.as_mut().expect("connected above");
            match f(client) {
                Ok(v) => return Ok(v),
                Err(fail) => {
                    let lost = connection_lost(&fail.error) || client.is_closed();
                    if lost {
                        *guard = None;
                        if fail.unsent && attempt == 0 {
                            continue;
                        }
                        return Err(StorageError::Other(format!(
                            "{what}: the connection to PostgreSQL at {} was lost ({}); an unfinished transaction is rolled back by the server, so nothing of it was stored",
                            self.target,
                            cause(&fail.error)
                        )));
                    }
                    return Err(StorageError::Other(format!(
                        "{what}: PostgreSQL at {}: {}",
                        self.target,
                        cause(&fail.error)
                    )));
                }
            }
        }
        Err(StorageError::Other(format!(
            "{what}: the connection to PostgreSQL at {} was lost twice",
            self.target
        )))
    }

    /// Helm's `ensureDBSetup`, stricter: migrations we do not know, or tables whose migration is not
    /// recorded, are refused (nothing is written); missing migrations are applied in one transaction.
    fn ensure_schema(&self) -> Result<(), String> {
        let mut client = self.connect()?;
        let fail = |e: postgres::Error| {
            format!(
                "checking the schema in PostgreSQL at {}: {}",
                self.target,
                cause(&e)
            )
        };
        let applied = applied_migrations(&mut client).map_err(fail)?;
        check_known(&applied, &self.target)?;
        if MIGRATIONS
            .iter()
            .any(|(id, _)| !applied.contains(&id.to_string()))
        {
            let mut tx = client.transaction().map_err(fail)?;
            // one writer at a time: two first runs at once would both create the tables
            tx.batch_execute("SELECT pg_advisory_xact_lock(7236476175723140401)")
                .map_err(fail)?;
            tx.batch_execute(&format!(
                "CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} (id text NOT NULL PRIMARY KEY, applied_at timestamp with time zone)"
            ))
            .map_err(fail)?;
            let applied = applied_migrations_in(&mut tx).map_err(fail)?;
            check_known(&applied, &self.target)?;
            for (id, sql) in MIGRATIONS {
                if applied.contains(&id.to_string()) {
                    continue;
                }
                let table = if *id == "init" {
                    RELEASES_TABLE
                } else {
                    LABELS_TABLE
                };
                if table_exists(&mut tx, table).map_err(fail)? {
                    return Err(format!(
                        "PostgreSQL at {}: table {table} exists, but {MIGRATIONS_TABLE} does not record Helm's migration {id:?} that creates it: it was made by something else or another schema version; refusing to use it (nothing was written)",
                        self.target
                    ));
                }
                tx.batch_execute(sql).map_err(|e| {
                    format!(
                        "applying Helm's migration {id:?} in PostgreSQL at {}: {}",
                        self.target,
                        cause(&e)
                    )
                })?;
                tx.execute(
                    &format!("INSERT INTO {MIGRATIONS_TABLE} (id, applied_at) VALUES ($1, now())"),
                    &[id],
                )
                .map_err(fail)?;
            }
            tx.commit().map_err(fail)?;
        }
        for (table, columns) in [
            (RELEASES_TABLE, RELEASE_COLUMNS),
            (LABELS_TABLE, LABEL_COLUMNS),
        ] {
            let rows = client
                .query(
                    "SELECT attname::text, format_type(atttypid, atttypmod) FROM pg_attribute \
                     WHERE attrelid = to_regclass($1::text) AND attnum > 0 AND NOT attisdropped",
                    &[&table],
                )
                .map_err(fail)?;
            let have: BTreeMap<String, String> =
                rows.iter().map(|r| (r.get(0), r.get(1))).collect();
            if have.is_empty() {
                return Err(format!(
                    "PostgreSQL at {}: {MIGRATIONS_TABLE} records Helm's migrations, but table {table} is missing (dropped by hand?); refusing to use this database",
                    self.target
                ));
            }
            for (column, integer) in columns {
                match have.get(*column) {
                    None => {
                        return Err(format!(
                            "PostgreSQL at {}: table {table} has no column {column:?} (columns: {}): another schema version than Helm's; refusing to use it (nothing was written)",
                            self.target,
                            have.keys().cloned().collect::<Vec<_>>().join(", ")
                        ))
                    }
                    Some(ty) if *integer && !matches!(ty.as_str(), "integer" | "bigint" | "smallint") => {
                        return Err(format!(
                            "PostgreSQL at {}: column {table}.{column} is {ty}, not an integer as Helm makes it: another schema version; refusing to use it (nothing was written)",
                            self.target
                        ))
                    }
                    Some(_) => {}
                }
            }
        }
        *self
            .client
            .lock()
            .map_err(|_| "SQL driver: connection lock poisoned".to_string())? = Some(client);
        Ok(())
    }

    /// The namespace and key a driver key names (`namespace/key` from an all-namespace driver).
    fn locate<'k>(&'k self, key: &'k str) -> (&'k str, &'k str) {
        let (ns, k) = storage::split_key(key);
        (ns.unwrap_or(&self.namespace), k)
    }

    /// The custom labels of some revisions, by (namespace, key), system labels left out as Helm does.
    fn labels_of(
        client: &mut Client,
        keys: &[(String, String)],
    ) -> Result<BTreeMap<(String, String), BTreeMap<String, String>>, Fail> {
        let mut out: BTreeMap<(String, String), BTreeMap<String, String>> = BTreeMap::new();
        if keys.is_empty() {
            return Ok(out);
        }
        let names: Vec<&str> = keys.iter().map(|(_, k)| k.as_str()).collect();
        let spaces: Vec<&str> = keys.iter().map(|(ns, _)| ns.as_str()).collect();
        let rows = client
            .query(
                &format!("SELECT releaseKey, releaseNamespace, key, value FROM {LABELS_TABLE} WHERE releaseKey = ANY($1) AND releaseNamespace = ANY($2)"),
                &[&names, &spaces],
            )
            .map_err(read)?;
        for row in rows {
            let (k, ns): (Option<String>, Option<String>) = (row.get(0), row.get(1));
            let (lk, lv): (Option<String>, Option<String>) = (row.get(2), row.get(3));
            let (Some(k), Some(ns), Some(lk)) = (k, ns, lk) else {
                continue;
            };
            if storage::SYSTEM_LABELS.contains(&lk.as_str()) {
                continue;
            }
            out.entry((ns, k))
                .or_default()
                .insert(lk, lv.unwrap_or_default());
        }
        out.retain(|k, _| keys.contains(k));
        Ok(out)
    }
}

impl Driver for SqlDriver {
    fn name(&self) -> &'static str {
        "sql"
    }

    fn get(&self, key: &str) -> Result<Release, StorageError> {
        let (ns, k) = self.locate(key);
        let found = self.call(&format!("get: failed to get {k:?}"), |client| {
            let row = client
                .query_opt(
                    &format!("SELECT body FROM {RELEASES_TABLE} WHERE key = $1 AND namespace = $2"),
                    &[&k, &ns],
                )
                .map_err(read)?;
            let Some(row) = row else { return Ok(None) };
            let labels = Self::labels_of(client, &[(ns.to_string(), k.to_string())])?;
            Ok(Some((
                row.get::<_, String>(0),
                labels.into_values().next().unwrap_or_default(),
            )))
        })?;
        let (body, labels) = found.ok_or(StorageError::NotFound)?;
        let mut rel = record::decode(&body)
            .map_err(|e| StorageError::Other(format!("get: failed to decode data {k:?}: {e}")))?;
        rel.labels = labels;
        Ok(rel)
    }

    fn entries(&self, selector: &[(&str, &str)]) -> Result<Vec<Entry>, StorageError> {
        let mut clauses = vec![format!("owner = '{OWNER}'")];
        let mut params: Vec<Box<dyn postgres::types::ToSql + Sync>> = Vec::new();
        for (label, value) in selector {
            let n = params.len() + 1;
            match LABEL_COLUMN.iter().find(|(l, _)| l == label) {
                Some((_, column)) if matches!(*column, "version" | "createdat" | "modifiedat") => {
                    // an integer column: a value that is no number matches nothing
                    let Ok(v) = value.parse::<i32>() else {
                        return Ok(Vec::new());
                    };
                    clauses.push(format!("{column} = ${n}"));
                    params.push(Box::new(v));
                }
                Some((_, column)) => {
                    clauses.push(format!("{column} = ${n}"));
                    params.push(Box::new(value.to_string()));
                }
                None => {
                    clauses.push(format!(
                        "EXISTS (SELECT 1 FROM {LABELS_TABLE} l WHERE l.releaseKey = r.key AND l.releaseNamespace = r.namespace AND l.key = ${n} AND l.value = ${})",
                        n + 1
                    ));
                    params.push(Box::new(label.to_string()));
                    params.push(Box::new(value.to_string()));
                }
            }
        }
        if !self.namespace.is_empty() {
            clauses.push(format!("namespace = ${}", params.len() + 1));
            params.push(Box::new(self.namespace.clone()));
        }
        let query = format!(
            "SELECT key, namespace, name, version, status FROM {RELEASES_TABLE} r WHERE {}",
            clauses.join(" AND ")
        );
        self.call("query: failed to query with labels", |client| {
            let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
                params.iter().map(|p| p.as_ref()).collect();
            let rows = client.query(&query, &refs).map_err(read)?;
            let keys: Vec<(String, String)> = rows.iter().map(|r| (r.get(1), r.get(0))).collect();
            let mut labels = Self::labels_of(client, &keys)?;
            Ok(rows
                .iter()
                .map(|r| {
                    let (key, namespace): (String, String) = (r.get(0), r.get(1));
                    let labels = labels
                        .remove(&(namespace.clone(), key.clone()))
                        .unwrap_or_default();
                    Entry {
                        key,
                        namespace,
                        name: r.get(2),
                        revision: i64::from(r.get::<_, i32>(3)),
                        status: r.get(4),
                        // as Helm's SQL queries: the custom labels only (the system ones are columns)
                        labels,
                    }
                })
                .collect())
        })
    }

    /// One query for the newest revision of each release, its body decoded as far as `list` needs.
    fn newest_each(&self) -> Result<Vec<Release>, StorageError> {
        let ns = self.namespace.clone();
        let rows = self.call("list: failed to list", |client| {
            let base = format!("SELECT DISTINCT ON (namespace, name) key, namespace, body FROM {RELEASES_TABLE} WHERE owner = '{OWNER}'");
            let order = "ORDER BY namespace, name, version DESC";
            let rows = if ns.is_empty() {
                client.query(&format!("{base} {order}"), &[]).map_err(read)?
            } else {
                client.query(&format!("{base} AND namespace = $1 {order}"), &[&ns]).map_err(read)?
            };
            Ok(rows.iter().map(|r| (r.get::<_, String>(0), r.get::<_, String>(1), r.get::<_, String>(2))).collect::<Vec<_>>())
        })?;
        // As Helm's List, a record that does not decode is skipped; unlike Helm (a debug log), we say so.
        Ok(rows
            .into_iter()
            .filter_map(|(key, namespace, body)| match record::decode_summary(&body) {
                Ok(rel) => Some(rel),
                Err(e) => {
                    storage::warn(&format!("skipping release record {namespace}/{key} in {RELEASES_TABLE}: it does not decode: {e}"));
                    None
                }
            })
            .collect())
    }

    /// Helm's `Create`: the row and its custom labels in one transaction.
    fn create(&self, key: &str, rel: &Release) -> Result<(), StorageError> {
        let (_, k) = storage::split_key(key);
        let (namespace, body, version) = row_fields(rel)?;
        let labels = storage::user_labels(&rel.labels);
        let created = record::now_unix();
        let what = format!(
            "create: failed to store revision {} of {:?}",
            rel.version, rel.name
        );
        let exists = self.call(&what, |client| {
            let mut tx = client.transaction().map_err(read)?;
            let inserted = tx.execute(
                &format!(
                    "INSERT INTO {RELEASES_TABLE} (key, type, body, name, namespace, version, status, owner, createdAt) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (key, namespace) DO NOTHING"
                ),
                &[&k, &RELEASE_TYPE, &body, &rel.name, &namespace, &version, &rel.info.status, &OWNER, &(created as i32)],
            )?;
            if inserted == 0 {
                tx.rollback()?;
                return Ok(true);
            }
            for (lk, lv) in &labels {
                tx.execute(
                    &format!("INSERT INTO {LABELS_TABLE} (releaseKey, releaseNamespace, key, value) VALUES ($1, $2, $3, $4)"),
                    &[&k, &namespace, lk, lv],
                )?;
            }
            tx.commit()?;
            Ok(false)
        })?;
        if exists {
            return Err(StorageError::Exists);
        }
        Ok(())
    }

    /// Helm's `Update`: the body and the label columns (not the custom labels), `modifiedAt` now.
    fn update(&self, key: &str, rel: &Release) -> Result<(), StorageError> {
        let (_, k) = storage::split_key(key);
        let (namespace, body, version) = row_fields(rel)?;
        let modified = record::now_unix() as i32;
        let what = format!(
            "update: failed to update revision {} of {:?}",
            rel.version, rel.name
        );
        let updated = self.call(&what, |client| {
            let mut tx = client.transaction().map_err(read)?;
            let n = tx.execute(
                &format!(
                    "UPDATE {RELEASES_TABLE} SET body = $1, name = $2, version = $3, status = $4, owner = $5, modifiedAt = $6 \
                     WHERE key = $7 AND namespace = $8"
                ),
                &[&body, &rel.name, &version, &rel.info.status, &OWNER, &modified, &k, &namespace],
            )?;
            tx.commit()?;
            Ok(n)
        })?;
        if updated == 0 {
            return Err(StorageError::NotFound);
        }
        Ok(())
    }

    /// Helm's `Delete`: the row and its custom labels, in one transaction.
    fn delete(&self, key: &str) -> Result<(), StorageError> {
        let (ns, k) = self.locate(key);
        let deleted = self.call(&format!("delete: failed to delete {k:?}"), |client| {
            let mut tx = client.transaction().map_err(read)?;
            let n = tx.execute(
                &format!("DELETE FROM {RELEASES_TABLE} WHERE key = $1 AND namespace = $2"),
                &[&k, &ns],
            )?;
            tx.execute(
                &format!(
                    "DELETE FROM {LABELS_TABLE} WHERE releaseKey = $1 AND releaseNamespace = $2"
                ),
                &[&k, &ns],
            )?;
            tx.commit()?;
            Ok(n)
        })?;
        if deleted == 0 {
            return Err(StorageError::NotFound);
        }
        Ok(())
    }
}

/// What a revision's row holds besides its key: the namespace (Helm stores `default` for none), the
/// encoded body and the revision as Helm's INTEGER column.
fn row_fields(rel: &Release) -> Result<(String, String, i32), StorageError> {
    let namespace = if rel.namespace.is_empty() { "default".to_string() } else { rel.namespace.clone() };
    let body = record::encode(rel)
        .map_err(|e| StorageError::Other(format!("failed to encode release {:?}: {e}", rel.name)))?;
    let version = i32::try_from(rel.version)
        .map_err(|_| StorageError::Other(format!("revision {} does not fit Helm's SQL column", rel.version)))?;
    Ok((namespace, body, version))
}

/// The migration ids `gorp_migrations` records (none when the table is not there).
fn applied_migrations(client: &mut Client) -> Result<Vec<String>, postgres::Error> {
    if !table_exists(client, MIGRATIONS_TABLE)? {
        return Ok(Vec::new());
    }
    Ok(client
        .query(
            &format!("SELECT id FROM {MIGRATIONS_TABLE} ORDER BY id"),
            &[],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect())
}

fn applied_migrations_in(
    tx: &mut postgres::Transaction<'_>,
) -> Result<Vec<String>, postgres::Error> {
    Ok(tx
        .query(
            &format!("SELECT id FROM {MIGRATIONS_TABLE} ORDER BY id"),
            &[],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect())
}

fn table_exists(
    client: &mut impl postgres::GenericClient,
    table: &str,
) -> Result<bool, postgres::Error> {
    Ok(client
        .query_one("SELECT to_regclass($1::text) IS NOT NULL", &[&table])?
        .get(0))
}

/// A migration recorded that Helm's driver (as we know it) does not have: another schema version.
fn check_known(applied: &[String], target: &str) -> Result<(), String> {
    let unknown: Vec<&String> = applied
        .iter()
        .filter(|id| !MIGRATIONS.iter().any(|(known, _)| known == id))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    Err(format!(
        "PostgreSQL at {target}: {MIGRATIONS_TABLE} records migration {} that Helm's SQL driver as kubectl release knows it (migrations {}) does not have: the tables are of another schema version; refusing to use them (nothing was written)",
        unknown.iter().map(|s| format!("{s:?}")).collect::<Vec<_>>().join(", "),
        MIGRATIONS.iter().map(|(id, _)| format!("{id:?}")).collect::<Vec<_>>().join(", ")
    ))
}

/// Did the server close the connection (a restart, a shutdown, a dropped socket)?
fn connection_lost(e: &postgres::Error) -> bool {
    if e.is_closed() {
        return true;
    }
    if let Some(db) = e.as_db_error() {
        // admin_shutdown, crash_shutdown, cannot_connect_now
        return matches!(db.code().code(), "57P01" | "57P02" | "57P03");
    }
    // an I/O error on the socket
    std::error::Error::source(e).is_some_and(|s| s.downcast_ref::<std::io::Error>().is_some())
}

/// The words of a client error: the server's message (with its detail) or the connection's failure.
fn cause(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut s = format!("{}: {}", db.severity(), db.message());
        if let Some(d) = db.detail() {
            s.push_str(&format!(" ({d})"));
        }
        return s;
    }
    // the client's own words, then its causes (an I/O error: refused, no route, timed out)
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text = format!("{text}: {more}");
        }
        source = s.source();
    }
    text
}

/// `host:port` of the first host, or its Unix socket.
fn describe_target(config: &Config) -> String {
    let port = config.get_ports().first().copied().unwrap_or(5432);
    match config.get_hosts().first() {
        Some(Host::Tcp(h)) if h.contains(':') => format!("[{h}]:{port}"),
        Some(Host::Tcp(h)) => format!("{h}:{port}"),
        #[cfg(unix)]
        Some(Host::Unix(p)) => format!("{}/.s.PGSQL.{port}", p.display()),
        None => format!("localhost:{port}"),
    }
}

/// The `sslmode` a connection string sets (URL query or key=value setting), if any.
fn sslmode_in(text: &str) -> Option<String> {
    let re = regex::Regex::new(r"(?:^|[\s?&])sslmode\s*=\s*'?([A-Za-z-]*)").expect("valid regex");
    re.captures(text).map(|c| c[1].to_string())
}

/// Parses a connection string as Helm's lib/pq reads it: a `postgres://`/`postgresql://` URL or
/// key=value settings; `PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE`, `PGSSLMODE` and
/// `PGCONNECT_TIMEOUT` fill in what it leaves out; the host defaults to localhost, the user to the
/// login name. TLS is not spoken: `sslmode` must be `disable` (or `allow`/`prefer`, which fall back to
/// plain connections); lib/pq's default `require` is refused rather than silently weakened.
fn parse_config(text: &str) -> Result<Config, String> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let mode = sslmode_in(text)
        .or_else(|| env("PGSSLMODE"))
        .unwrap_or_else(|| "require".into());
    match mode.as_str() {
        "disable" | "allow" | "prefer" => {}
        other => {
            return Err(format!(
                "{CONNECTION_ENV}: sslmode {other:?}{} needs TLS, which kubectl release's SQL driver does not speak; add sslmode=disable for a PostgreSQL reached over loopback or a trusted network",
                if sslmode_in(text).is_none() && env("PGSSLMODE").is_none() { " (lib/pq's default, which Helm uses)" } else { "" }
            ))
        }
    }
    // tokio-postgres knows only disable/prefer/require: say disable to it, whatever the text said
    let re = regex::Regex::new(r"(^|[\s?&])sslmode\s*=\s*'?[A-Za-z-]*'?").expect("valid regex");
    let cleaned = re.replace_all(text, "$1").to_string();
    let cleaned = cleaned
        .replace("?&", "?")
        .trim_end_matches(['?', '&'])
        .to_string();
    let mut config: Config = cleaned
        .parse()
        .map_err(|e| format!("{CONNECTION_ENV} is not a PostgreSQL connection string: {e}"))?;
    config.ssl_mode(SslMode::Disable);
    if config.get_hosts().is_empty() {
        match env("PGHOST") {
            Some(h) => {
                for h in h.split(',') {
                    config.host(h);
                }
            }
            None => {
                config.host("localhost");
            }
        }
    }
    if config.get_ports().is_empty() {
        let port = match env("PGPORT") {
            Some(p) => p
                .parse()
                .map_err(|_| format!("PGPORT {p:?} is not a port number"))?,
            None => 5432,
        };
        config.port(port);
    }
    if config.get_user().is_none() {
        let user = env("PGUSER")
            .or_else(|| env("USER"))
            .or_else(|| env("LOGNAME"))
            .unwrap_or_else(|| "postgres".into());
        config.user(&user);
    }
    if config.get_password().is_none() {
        if let Some(p) = env("PGPASSWORD") {
            config.password(p);
        }
    }
    if config.get_dbname().is_none() {
        if let Some(d) = env("PGDATABASE") {
            config.dbname(&d);
        }
    }
    if config.get_connect_timeout().is_none() {
        let secs = env("PGCONNECT_TIMEOUT")
            .and_then(|s| s.parse().ok())
            .filter(|s| *s > 0)
            .unwrap_or(CONNECT_TIMEOUT.as_secs());
        config.connect_timeout(Duration::from_secs(secs));
    }
    // a server that vanishes (its host gone) is noticed within about a minute, not after the OS's two hours
    if !text.contains("keepalives") {
        config
            .keepalives_idle(Duration::from_secs(30))
            .keepalives_interval(Duration::from_secs(10))
            .keepalives_retries(3);
    }
    if config.get_tcp_user_timeout().is_none() {
        config.tcp_user_timeout(Duration::from_secs(60));
    }
    if config.get_application_name().is_none() {
        config.application_name("kubectl-release");
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_strings_as_lib_pq_takes_them() {
        let c = parse_config("postgres://u:secret@db.example:6543/helm?sslmode=disable").unwrap();
        assert_eq!(describe_target(&c), "db.example:6543");
        assert_eq!(c.get_user(), Some("u"));
        assert_eq!(c.get_dbname(), Some("helm"));
        let c = parse_config("host=10.0.0.5 port=5433 user=helm dbname=releases sslmode=disable")
            .unwrap();
        assert_eq!(describe_target(&c), "10.0.0.5:5433");
        let c = parse_config("host=/run/postgresql user=helm sslmode=prefer").unwrap();
        assert_eq!(describe_target(&c), "/run/postgresql/.s.PGSQL.5432");
        // lib/pq's default is sslmode=require: refused, not weakened
        let e = parse_config("postgres://u@db:5432/x").unwrap_err();
        assert!(
            e.contains("sslmode \"require\" (lib/pq's default, which Helm uses) needs TLS"),
            "{e}"
        );
        let e = parse_config("host=db sslmode=verify-full").unwrap_err();
        assert!(e.contains("sslmode \"verify-full\" needs TLS"), "{e}");
        assert!(parse_config("postgres://[::1/x?sslmode=disable").is_err());
    }

    #[test]
    fn migrations_are_helms() {
        let ids: Vec<&str> = MIGRATIONS.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids, ["custom_labels", "init"], "sql-migrate's order");
        assert!(check_known(&["init".into(), "custom_labels".into()], "h:1").is_ok());
        let e = check_known(&["init".into(), "20300101-more".into()], "h:1").unwrap_err();
        assert!(
            e.contains("records migration \"20300101-more\"") && e.contains("nothing was written"),
            "{e}"
        );
    }
}
