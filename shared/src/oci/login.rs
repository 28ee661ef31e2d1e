//! `registry login` and `registry logout` as Helm does them: a ping of `/v2/` with the given
//! credential (so a wrong password fails before anything is stored), then the credential written to
//! Helm's registry config (or the credential helper it names) under oras-go's server address; logout
//! removes it.

use super::credentials::{server_address, ConfigFile, Credential};
use super::{Client, ClientOptions, Error};

/// Logs in to `host` (`host[:port]`, a path after it is warned about and ignored for the key).
/// Returns the lines Helm prints (`Login Succeeded`) and warnings for stderr.
pub fn login(
    host: &str,
    username: &str,
    password: &str,
    opts: ClientOptions,
) -> Result<Vec<String>, Error> {
    let mut warnings = Vec::new();
    let registry_host = host.split('/').next().unwrap_or(host);
    if host.contains('/') {
        warnings.push(format!(
            "level=WARN msg=\"registry login currently only supports registry hostname, not a repository path\" host={host} suggested={registry_host}"
        ));
    }
    let config_path = opts.credentials_file.clone();
    let client = Client::new(ClientOptions {
        username: username.to_string(),
        password: password.to_string(),
        ..opts
    })?;
    client
        .ping(registry_host)
        .map_err(|e| Error::new(format!("authenticating to {}: {e}", quote(host))))?;
    let mut file = ConfigFile::load(&config_path)?;
    let cred = Credential {
        username: username.to_string(),
        password: password.to_string(),
        ..Default::default()
    };
    file.put(&server_address(registry_host), &cred)?;
    Ok(warnings)
}

/// Removes the stored credential of `host` from Helm's registry config (nothing to remove is fine,
/// as in Helm v4).
pub fn logout(host: &str, config: &std::path::Path) -> Result<(), Error> {
    let mut file = ConfigFile::load(config)?;
    file.delete(&server_address(host.split('/').next().unwrap_or(host)))?;
    Ok(())
}

fn quote(s: &str) -> String {
    crate::chart::metadata_quote(s)
}
