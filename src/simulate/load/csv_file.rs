//! A CSV file with named columns; every error carries the file, line and column name.

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::simulate::SimError;

pub(super) struct CsvFile {
    reader: csv::Reader<File>,
    meta: CsvMeta,
}

struct CsvMeta {
    path: PathBuf,
    columns: Vec<usize>,
    names: &'static [&'static str],
}

/// One data row of a [`CsvFile`].
pub(super) struct Row<'a> {
    meta: &'a CsvMeta,
    record: &'a csv::StringRecord,
}

impl Row<'_> {
    fn line(&self) -> Option<u64> {
        self.record.position().map(|p| p.line())
    }

    pub(super) fn get(&self, col: usize) -> &str {
        self.record.get(self.meta.columns[col]).unwrap_or("").trim()
    }

    pub(super) fn err(&self, col: usize, message: impl Into<String>) -> SimError {
        SimError::load(&self.meta.path, self.line(), self.meta.names[col], message)
    }

    pub(super) fn text(&self, col: usize) -> Result<String, SimError> {
        let v = self.get(col);
        if v.is_empty() {
            return Err(self.err(col, "empty"));
        }
        Ok(v.to_string())
    }

    pub(super) fn parse<T: std::str::FromStr>(&self, col: usize, what: &str) -> Result<T, SimError> {
        let v = self.get(col);
        v.parse().map_err(|_| self.err(col, format!("`{v}` is not {what}")))
    }
}

impl CsvFile {
    /// `Ok(None)` when the file is optional and absent.
    pub(super) fn open(
        path: &Path,
        names: &'static [&'static str],
        optional: bool,
    ) -> Result<Option<CsvFile>, SimError> {
        let file = match File::open(path) {
            Ok(f) => f,
            Err(e) if optional && e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(SimError::io(path, e)),
        };
        let mut reader = csv::ReaderBuilder::new().from_reader(file);
        let headers = reader
            .headers()
            .map_err(|e| SimError::load(path, Some(1), "", format!("cannot read header: {e}")))?
            .clone();
        let mut columns = Vec::with_capacity(names.len());
        for name in names {
            let i = headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(name))
                .ok_or_else(|| SimError::load(path, Some(1), name, "column missing from header"))?;
            columns.push(i);
        }
        Ok(Some(CsvFile {
            reader,
            meta: CsvMeta {
                path: path.to_path_buf(),
                columns,
                names,
            },
        }))
    }

    pub(super) fn required(path: &Path, names: &'static [&'static str]) -> Result<CsvFile, SimError> {
        CsvFile::open(path, names, false)?.ok_or_else(|| SimError::load(path, None, "", "missing"))
    }

    /// Calls `f` on each data row.
    pub(super) fn for_each(self, mut f: impl FnMut(&Row) -> Result<(), SimError>) -> Result<(), SimError> {
        let CsvFile { mut reader, meta } = self;
        let mut record = csv::StringRecord::new();
        loop {
            match reader.read_record(&mut record) {
                Ok(false) => return Ok(()),
                Ok(true) => f(&Row {
                    meta: &meta,
                    record: &record,
                })?,
                Err(e) => {
                    let line = e.position().map(|p| p.line());
                    return Err(SimError::load(&meta.path, line, "", e.to_string()));
                }
            }
        }
    }
}
