//! Flag groups the plugin binaries share (clap), defined once: Helm's values flags.

use crate::values::ValueOptions;
use clap::Args;

/// The values flags Helm shares between template, lint, install and upgrade.
#[derive(Args, Debug, Default, Clone)]
pub struct ValuesFlags {
    /// Values from a YAML file or `-` for stdin (repeatable).
    #[arg(short = 'f', long = "values")]
    pub values: Vec<String>,
    /// Set values on the command line (`a.b=c,d=e`).
    #[arg(long = "set")]
    pub set: Vec<String>,
    /// Set STRING values on the command line.
    #[arg(long = "set-string")]
    pub set_string: Vec<String>,
    /// Set JSON values on the command line (`a={"b":1}` or a whole JSON object).
    #[arg(long = "set-json")]
    pub set_json: Vec<String>,
    /// Set values from files (`key=path`).
    #[arg(long = "set-file")]
    pub set_file: Vec<String>,
    /// Set a literal STRING value.
    #[arg(long = "set-literal")]
    pub set_literal: Vec<String>,
}

impl ValuesFlags {
    /// The library's view of the flags.
    pub fn options(&self) -> ValueOptions {
        ValueOptions {
            value_files: self.values.clone(),
            values: self.set.clone(),
            string_values: self.set_string.clone(),
            json_values: self.set_json.clone(),
            file_values: self.set_file.clone(),
            literal_values: self.set_literal.clone(),
        }
    }

    /// No values flag was given (upgrade then reuses the previous values, as Helm does).
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
            && self.set.is_empty()
            && self.set_string.is_empty()
            && self.set_json.is_empty()
            && self.set_file.is_empty()
            && self.set_literal.is_empty()
    }
}
